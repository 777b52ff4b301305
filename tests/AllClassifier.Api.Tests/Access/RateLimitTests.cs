using System.Net;
using AllClassifier.Api.Access;
using AllClassifier.Api.Tests.Infrastructure;

namespace AllClassifier.Api.Tests.Access;

/// <summary>A budget of three requests that never refills during a test, so the fourth is always refused.</summary>
public sealed class RateLimitedApiFactory() : ApiFactory(settings: new Dictionary<string, string?>
{
    ["RateLimiting:Enabled"] = "true",
    ["RateLimiting:TokenLimit"] = "3",
    ["RateLimiting:TokensPerPeriod"] = "1",
    ["RateLimiting:ReplenishmentPeriod"] = "01:00:00",
    ["Auth:ApiKeys:web"] = ApiKeyTests.WebKey,
    ["Auth:ApiKeys:lab-script"] = ApiKeyTests.ScriptKey,
});

public sealed class RateLimitTests(RateLimitedApiFactory api) : IClassFixture<RateLimitedApiFactory>
{
    [Fact]
    public async Task A_burst_past_the_budget_gets_429_with_retry_after_and_json_detail_and_stores_nothing()
    {
        var client = api.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await client.SendAsync(ApiKeyTests.FeedbackRequest(ApiKeyTests.ScriptKey, seed: 20 + i))).StatusCode);
        }

        var stored = FeedbackDatabase.Count(api.DatabasePath);
        var refused = await client.SendAsync(ApiKeyTests.FeedbackRequest(ApiKeyTests.ScriptKey, seed: 23));

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        await ApiAssert.ErrorAsync(refused, 429, "rate_limited", "too many requests");
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {refused.Headers.RetryAfter}");
        Assert.Equal(stored, FeedbackDatabase.Count(api.DatabasePath));

        // Another client's budget is its own.
        await ApiAssert.OkJsonAsync(await client.SendAsync(ApiKeyTests.FeedbackRequest(ApiKeyTests.WebKey, seed: 24)));
        // Probes are never limited.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Contains(RateLimitingExtensions.TooManyRequestsDetail, await refused.Content.ReadAsStringAsync());
    }
}

/// <summary>A burst of ten per client that never refills during a test, and three per person behind it.</summary>
public sealed class PersonRateLimitedApiFactory() : ApiFactory(settings: new Dictionary<string, string?>
{
    ["RateLimiting:Enabled"] = "true",
    ["RateLimiting:TokenLimit"] = "10",
    ["RateLimiting:TokensPerPeriod"] = "1",
    ["RateLimiting:ReplenishmentPeriod"] = "01:00:00",
    ["RateLimiting:PersonTokenLimit"] = "3",
    ["Auth:ApiKeys:web"] = ApiKeyTests.WebKey,
    ["Auth:ApiKeys:lab-script"] = ApiKeyTests.ScriptKey,
});

public sealed class ActingUserRateLimitTests(PersonRateLimitedApiFactory api) : IClassFixture<PersonRateLimitedApiFactory>
{
    [Fact]
    public async Task A_new_acting_user_on_every_request_gets_no_budget_beyond_the_clients()
    {
        var client = api.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 200; i++)
        {
            statuses.Add((await client.SendAsync(Count(ApiKeyTests.ScriptKey, $"person-{i}"))).StatusCode);
        }

        Assert.Equal(10, statuses.Count(status => status == HttpStatusCode.OK));
        Assert.Equal(190, statuses.Count(status => status == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task One_person_is_held_to_a_share_of_the_clients_budget_and_others_keep_theirs()
    {
        var client = api.CreateClient();
        var alice = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            alice.Add((await client.SendAsync(Count(ApiKeyTests.WebKey, "alice"))).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], alice);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Count(ApiKeyTests.WebKey, "bob"))).StatusCode);
    }

    private static HttpRequestMessage Count(string key, string person)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/feedback/count");
        request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, key);
        request.Headers.Add(CallerName.ActingUserHeader, person);
        return request;
    }
}
