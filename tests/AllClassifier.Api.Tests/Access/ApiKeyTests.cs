using System.Net;
using AllClassifier.Api.Access;
using AllClassifier.Api.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace AllClassifier.Api.Tests.Access;

/// <summary>An API with two clients' keys, each setting of <c>Auth</c> left at its default.</summary>
public sealed class KeyedApiFactory() : ApiFactory(settings: new Dictionary<string, string?>
{
    ["Auth:ApiKeys:web"] = ApiKeyTests.WebKey,
    ["Auth:ApiKeys:lab-script"] = ApiKeyTests.ScriptKey,
});

public sealed class ApiKeyTests(KeyedApiFactory api) : IClassFixture<KeyedApiFactory>
{
    public const string WebKey = "web-key-2f9c1e7a";
    public const string ScriptKey = "script-key-88d0b4";

    private readonly HttpClient _client = api.CreateClient();

    public static TheoryData<string?> RefusedKeys => new() { null, "", "wrong", WebKey + "x", WebKey[..^1], WebKey.ToUpperInvariant() };

    [Theory]
    [MemberData(nameof(RefusedKeys))]
    public async Task Feedback_without_a_valid_key_is_401_json_and_stores_nothing(string? key)
    {
        var before = FeedbackDatabase.Count(api.DatabasePath);

        var response = await _client.SendAsync(FeedbackRequest(key, seed: 1));

        await ApiAssert.ErrorAsync(response, 401, "unauthorized", "X-Api-Key");
        Assert.Equal(before, FeedbackDatabase.Count(api.DatabasePath));
    }

    [Fact]
    public async Task Feedback_with_a_key_is_stored_and_names_the_client()
    {
        var response = await _client.SendAsync(FeedbackRequest(ScriptKey, seed: 2));

        await ApiAssert.OkJsonAsync(response);
        Assert.Equal("lab-script", FeedbackDatabase.Last(api.DatabasePath).SentBy);
    }

    [Fact]
    public async Task A_front_end_key_may_name_the_signed_in_person_it_acts_for()
    {
        var request = FeedbackRequest(WebKey, seed: 3);
        request.Headers.Add(CallerName.ActingUserHeader, "alice@lab");

        await ApiAssert.OkJsonAsync(await _client.SendAsync(request));

        Assert.Equal("web:alice@lab", FeedbackDatabase.Last(api.DatabasePath).SentBy);
    }

    [Fact]
    public async Task Naming_a_person_without_a_key_is_still_refused()
    {
        var before = FeedbackDatabase.Count(api.DatabasePath);
        var request = FeedbackRequest(null, seed: 4);
        request.Headers.Add(CallerName.ActingUserHeader, "mallory");

        await ApiAssert.ErrorAsync(await _client.SendAsync(request), 401, "unauthorized", "X-Api-Key");
        Assert.Equal(before, FeedbackDatabase.Count(api.DatabasePath));
    }

    [Theory]
    [InlineData("/ping")]
    [InlineData("/health")]
    [InlineData("/alive")]
    [InlineData("/metrics")]
    [InlineData("/docs")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/feedback/count")]
    public async Task Probes_reads_metrics_and_docs_stay_open_by_default(string path)
    {
        var response = await _client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Predict_stays_open_by_default()
    {
        var response = await _client.PostAsync("/predict", Forms.Image(TestImages.Jpeg(seed: 5)));

        // No model is registered in this fixture: the answer is the API's own 503, not an authentication refusal.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task Health_says_keys_are_required_to_an_admin_key_and_names_no_path_to_anyone_else()
    {
        var report = await HealthReportAsync(_client, WebKey);

        Assert.Contains("API keys required", report.GetProperty("checks").GetProperty("access").GetProperty("description").GetString());
        Assert.Contains(api.DatabasePath, report.GetProperty("checks").GetProperty("feedback-store").GetProperty("description").GetString());

        using var anonymous = new HttpRequestMessage(HttpMethod.Get, "/health");
        anonymous.Headers.Accept.ParseAdd("application/json");
        using var answer = await _client.SendAsync(anonymous);
        var body = await answer.Content.ReadAsStringAsync();
        Assert.Contains("\"feedback-store\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain(api.Root, body, StringComparison.Ordinal);
        Assert.DoesNotContain("API keys required", body, StringComparison.Ordinal);
        Assert.DoesNotContain(api.Logs.GetSnapshot(), log => log.Message.Contains("no API key is configured", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Answers_name_their_replica_by_an_opaque_id_not_by_host_or_process()
    {
        var first = await _client.GetAsync("/ping");
        var second = await _client.GetAsync("/nowhere");

        var servedBy = Assert.Single(first.Headers.GetValues(Api.Replicas.ServedByExtensions.HeaderName));
        Assert.Equal(servedBy, Assert.Single(second.Headers.GetValues(Api.Replicas.ServedByExtensions.HeaderName)));
        Assert.Matches("^[0-9a-f]{16}$", servedBy);
        Assert.DoesNotContain(Environment.MachineName, servedBy, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), servedBy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_key_is_logged_without_the_key()
    {
        await _client.SendAsync(FeedbackRequest("not-a-key-7731", seed: 6));

        var logs = api.Logs.GetSnapshot();
        Assert.Contains(logs, log => log.Level == LogLevel.Warning && log.Message.Contains("unknown API key", StringComparison.Ordinal));
        Assert.DoesNotContain(logs, log => log.Message.Contains("not-a-key-7731", StringComparison.Ordinal));
    }

    internal static HttpRequestMessage FeedbackRequest(string? key, int seed)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/feedback") { Content = Forms.Feedback("Pre", "Pro", TestImages.Jpeg(seed: 900 + seed)) };
        if (key is not null)
        {
            request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, key);
        }

        return request;
    }

    internal static async Task<System.Text.Json.JsonElement> HealthReportAsync(HttpClient client, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        if (key is not null)
        {
            request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, key);
        }

        request.Headers.Accept.ParseAdd("application/json");
        return await ApiAssert.OkJsonAsync(await client.SendAsync(request));
    }
}

/// <summary>Every optional restriction switched on.</summary>
public sealed class LockedDownApiFactory() : ApiFactory(settings: new Dictionary<string, string?>
{
    ["Auth:ApiKeys:web"] = ApiKeyTests.WebKey,
    ["Auth:RequireKeyForPredict"] = "true",
    ["Auth:RequireKeyForMetrics"] = "true",
    ["Auth:RequireKeyForDocs"] = "true",
});

public sealed class LockedDownApiTests(LockedDownApiFactory api) : IClassFixture<LockedDownApiFactory>
{
    private readonly HttpClient _client = api.CreateClient();

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/docs")]
    [InlineData("/openapi/v1.json")]
    public async Task Metrics_and_docs_need_a_key_when_configured(string path)
    {
        await ApiAssert.ErrorAsync(await _client.GetAsync(path), 401, "unauthorized", "X-Api-Key");

        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, ApiKeyTests.WebKey);
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Predict_needs_a_key_when_configured()
    {
        await ApiAssert.ErrorAsync(await _client.PostAsync("/predict", Forms.Image(TestImages.Jpeg(seed: 7))), 401, "unauthorized", "X-Api-Key");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong")]
    public async Task Explain_needs_a_key_like_predict(string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/explain") { Content = Forms.Image(TestImages.Jpeg(seed: 8)) };
        if (key is not null)
        {
            request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, key);
        }

        var response = await _client.SendAsync(request);

        await ApiAssert.ErrorAsync(response, 401, "unauthorized", "X-Api-Key");
        Assert.False(response.Headers.Contains(Api.Explain.ExplainEndpoints.PredictedClassHeader));
    }

    [Theory]
    [InlineData("/ping")]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task Probes_stay_open(string path) =>
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync(path)).StatusCode);
}

/// <summary>No <c>Auth:ApiKeys</c> at all: the original open contract.</summary>
public sealed class OpenApiFactory() : ApiFactory();

public sealed class OpenApiAccessTests(OpenApiFactory api) : IClassFixture<OpenApiFactory>
{
    [Fact]
    public async Task Without_keys_the_API_is_open_and_says_so_at_start_and_on_health()
    {
        var client = api.CreateClient();

        await ApiAssert.OkJsonAsync(await client.SendAsync(ApiKeyTests.FeedbackRequest(null, seed: 8)));
        var report = await ApiKeyTests.HealthReportAsync(client);

        Assert.Equal(AccessHealthCheck.OpenDescription, report.GetProperty("checks").GetProperty("access").GetProperty("description").GetString());
        Assert.Contains(api.Logs.GetSnapshot(), log => log.Level == LogLevel.Warning && log.Message.Contains("no API key is configured", StringComparison.Ordinal));
        Assert.Null(FeedbackDatabase.Last(api.DatabasePath).SentBy);
    }
}
