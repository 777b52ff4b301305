using System.Net.Http.Json;
using System.Text.Json;
using AllClassifier.Api.Access;
using AllClassifier.Api.Tests.Infrastructure;

namespace AllClassifier.Api.Tests.Access;

/// <summary>A keyed API serving version 1, with version 2 registered as a challenger.</summary>
public sealed class ChallengerApiFactory() : ApiFactory(settings: new Dictionary<string, string?> { ["Auth:ApiKeys:web"] = ApiKeyTests.WebKey }), IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        TestModels.Register(RegistryDirectory, TestModels.Model);
        TestModels.Register(RegistryDirectory, TestModels.Model, makeChampion: false);
        await WaitForModelVersionAsync(1);
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}

public sealed class PromotionTests(ChallengerApiFactory api) : IClassFixture<ChallengerApiFactory>
{
    private readonly HttpClient _client = api.CreateClient();

    [Fact]
    public async Task Versions_are_listed_newest_first_and_only_a_keyed_caller_promotes_a_challenger_which_is_then_served()
    {
        var listed = await _client.GetFromJsonAsync<JsonElement>("/model/versions");
        Assert.Equal([2, 1], listed.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        Assert.Equal([false, true], listed.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("champion").GetBoolean()));

        await ApiAssert.ErrorAsync(await _client.PostAsync("/model/versions/2/promote", null), 401, "unauthorized", "X-Api-Key");
        await ApiAssert.ErrorAsync(await _client.SendAsync(Promote(7)), 404, "no_such_version", "no model version 7");

        var promoted = await ApiAssert.OkJsonAsync(await _client.SendAsync(Promote(2)));

        Assert.Equal(2, promoted.GetProperty("champion").GetInt32());
        Assert.Equal(1, promoted.GetProperty("previous").GetInt32());
        await api.WaitForModelVersionAsync(2);
    }

    private static HttpRequestMessage Promote(int version)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/model/versions/{version}/promote");
        request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, ApiKeyTests.WebKey);
        return request;
    }
}
