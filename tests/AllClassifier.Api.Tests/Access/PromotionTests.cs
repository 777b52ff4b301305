using System.Net.Http.Json;
using System.Text.Json;
using AllClassifier.Api.Access;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Model.Registry;

namespace AllClassifier.Api.Tests.Access;

/// <summary>A keyed API serving version 1, with version 2 registered as a challenger.</summary>
public sealed class ChallengerApiFactory() : ApiFactory(settings: new Dictionary<string, string?>
{
    ["Auth:ApiKeys:web"] = ApiKeyTests.WebKey,
    // A promotion that finds the registry locked answers at once.
    ["ModelServing:RegistryLockWait"] = "00:00:00",
}), IAsyncLifetime
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

    [Fact]
    public async Task Promoting_without_a_version_takes_only_a_newer_version_and_never_rolls_back()
    {
        var registry = new LocalModelRegistry(api.RegistryDirectory);
        registry.SetAlias(1);
        await api.WaitForModelVersionAsync(1);

        var promoted = await ApiAssert.OkJsonAsync(await _client.SendAsync(Promote("newest")));
        Assert.Equal(2, promoted.GetProperty("champion").GetInt32());
        Assert.Equal(1, promoted.GetProperty("previous").GetInt32());

        // v2 is the newest: without a version nothing older is promoted.
        await ApiAssert.ErrorAsync(await _client.SendAsync(Promote("newest")), 409, "no_newer_challenger", "name a version");
        Assert.Equal(2, registry.ResolveAlias());

        // A rollback names its version.
        await ApiAssert.OkJsonAsync(await _client.SendAsync(Promote(1)));
        Assert.Equal(1, registry.ResolveAlias());
        await api.WaitForModelVersionAsync(1);
    }

    [Fact]
    public async Task Promoting_while_a_trainer_holds_the_registry_lock_answers_503_with_retry_after_and_moves_nothing()
    {
        var registry = new LocalModelRegistry(api.RegistryDirectory);
        var before = registry.ResolveAlias();
        using (new FileStream(Path.Combine(registry.ModelDirectory, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var busy = await _client.SendAsync(Promote(before == 1 ? 2 : 1));

            await ApiAssert.ErrorAsync(busy, 503, "registry_busy", "locked");
            Assert.True(busy.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {busy.Headers.RetryAfter}");
            await ApiAssert.ErrorAsync(await _client.SendAsync(Promote("newest")), 503, "registry_busy", "locked");
        }

        Assert.Equal(before, registry.ResolveAlias());
    }

    private static HttpRequestMessage Promote(int version) => Promote(version.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static HttpRequestMessage Promote(string version)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/model/versions/{version}/promote");
        request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, ApiKeyTests.WebKey);
        return request;
    }
}
