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
