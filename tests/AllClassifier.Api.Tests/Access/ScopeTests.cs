using System.Net;
using AllClassifier.Api.Access;
using AllClassifier.Api.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Tests.Access;

/// <summary>Three clients: one with every scope (no scope entry), one that only classifies, one admin.</summary>
public sealed class ScopedApiFactory() : ApiFactory(settings: new Dictionary<string, string?>
{
    ["Auth:ApiKeys:web"] = ApiKeyTests.WebKey,
    ["Auth:ApiKeys:kiosk"] = ScopeTests.PredictKey,
    ["Auth:ApiKeyScopes:kiosk"] = "predict",
    ["Auth:ApiKeys:trainer"] = ScopeTests.AdminKey,
    ["Auth:ApiKeyScopes:trainer"] = "Admin",
    ["Auth:RequireKeyForPredict"] = "true",
});

public sealed class ScopeTests(ScopedApiFactory api) : IClassFixture<ScopedApiFactory>
{
    public const string PredictKey = "kiosk-key-51c0e2";
    public const string AdminKey = "trainer-admin-key-7d13aa";

    private readonly HttpClient _client = api.CreateClient();

    [Fact]
    public async Task A_predict_only_key_classifies_but_stores_no_feedback_and_administers_nothing()
    {
        var before = FeedbackDatabase.Count(api.DatabasePath);

        // No model in this fixture: 503 is the API's own answer after access was granted.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _client.SendAsync(Keyed(HttpMethod.Post, "/predict", PredictKey, Forms.Image(TestImages.Jpeg(seed: 30))))).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _client.SendAsync(Keyed(HttpMethod.Post, "/explain", PredictKey, Forms.Image(TestImages.Jpeg(seed: 31))))).StatusCode);

        await ApiAssert.ErrorAsync(await _client.SendAsync(ApiKeyTests.FeedbackRequest(PredictKey, seed: 32)), 403, "forbidden", "'feedback' scope");
        await ApiAssert.ErrorAsync(await _client.SendAsync(Keyed(HttpMethod.Post, "/model/versions/1/promote", PredictKey)), 403, "forbidden", "'admin' scope");
        await ApiAssert.ErrorAsync(await _client.SendAsync(Keyed(HttpMethod.Delete, "/feedback/1", PredictKey)), 403, "forbidden", "'admin' scope");
        await ApiAssert.ErrorAsync(await _client.SendAsync(Keyed(HttpMethod.Post, "/model/reload", PredictKey)), 403, "forbidden", "'admin' scope");
        Assert.Equal(before, FeedbackDatabase.Count(api.DatabasePath));
    }

    [Fact]
    public async Task An_admin_only_key_administers_but_neither_classifies_nor_stores_feedback()
    {
        await ApiAssert.ErrorAsync(await _client.SendAsync(Keyed(HttpMethod.Delete, "/feedback/987654", AdminKey)), 404, "no_such_feedback_row", "987654");
        await ApiAssert.OkJsonAsync(await _client.SendAsync(Keyed(HttpMethod.Get, "/feedback/rows", AdminKey)));

        await ApiAssert.ErrorAsync(await _client.SendAsync(Keyed(HttpMethod.Post, "/predict", AdminKey, Forms.Image(TestImages.Jpeg(seed: 33)))), 403, "forbidden", "'predict' scope");
        await ApiAssert.ErrorAsync(await _client.SendAsync(ApiKeyTests.FeedbackRequest(AdminKey, seed: 34)), 403, "forbidden", "'feedback' scope");
    }

    [Fact]
    public async Task A_key_configured_without_scopes_keeps_every_scope()
    {
        await ApiAssert.OkJsonAsync(await _client.SendAsync(ApiKeyTests.FeedbackRequest(ApiKeyTests.WebKey, seed: 35)));
        await ApiAssert.OkJsonAsync(await _client.SendAsync(Keyed(HttpMethod.Get, "/feedback/rows", ApiKeyTests.WebKey)));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _client.SendAsync(Keyed(HttpMethod.Post, "/predict", ApiKeyTests.WebKey, Forms.Image(TestImages.Jpeg(seed: 36))))).StatusCode);
    }

    [Theory]
    [InlineData("kiosk", "predict,everything")]
    [InlineData("nobody", "predict")]
    [InlineData("kiosk", "")]
    public void A_scope_entry_that_is_not_understood_stops_the_API_at_start(string client, string scopes)
    {
        using var factory = new ApiFactory(settings: new Dictionary<string, string?>
        {
            ["Auth:ApiKeys:kiosk"] = PredictKey,
            [$"Auth:ApiKeyScopes:{client}"] = scopes,
        });

        var failure = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());
        Assert.Contains("Auth:ApiKeyScopes", failure.Message, StringComparison.Ordinal);
    }

    private static HttpRequestMessage Keyed(HttpMethod method, string path, string key, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, key);
        return request;
    }
}
