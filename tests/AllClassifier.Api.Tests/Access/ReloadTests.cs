using System.Net.Http.Json;
using System.Text.Json;
using AllClassifier.Api.Access;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Model.Registry;

namespace AllClassifier.Api.Tests.Access;

/// <summary>The admin reload (the dashboard's "Reload model"): the registry is read at once, not at the next poll.</summary>
public sealed class ReloadTests
{
    [Fact]
    public async Task Only_a_keyed_caller_reloads_and_the_new_champion_is_served_at_once()
    {
        // A poll an hour apart: only the reload can pick version 2 up within the test.
        using var api = new ApiFactory(settings: new Dictionary<string, string?>
        {
            ["Auth:ApiKeys:web"] = ApiKeyTests.WebKey,
            ["ModelServing:PollInterval"] = "01:00:00",
        });
        TestModels.Register(api.RegistryDirectory, TestModels.Model);
        await api.WaitForModelVersionAsync(1);
        var client = api.CreateClient();
        var second = TestModels.Register(api.RegistryDirectory, TestModels.Model, makeChampion: false);
        new LocalModelRegistry(api.RegistryDirectory).SetAlias(second.Version);

        await ApiAssert.ErrorAsync(await client.PostAsync("/model/reload", null), 401, "unauthorized", "X-Api-Key");
        Assert.Equal(1, (await client.GetFromJsonAsync<JsonElement>("/model")).GetProperty("version").GetInt32());

        using var request = new HttpRequestMessage(HttpMethod.Post, "/model/reload");
        request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, ApiKeyTests.WebKey);
        var reloaded = await ApiAssert.OkJsonAsync(await client.SendAsync(request));

        Assert.Equal(2, reloaded.GetProperty("version").GetInt32());
        Assert.Equal(JsonValueKind.Null, reloaded.GetProperty("problem").ValueKind);
        Assert.Equal(2, (await client.GetFromJsonAsync<JsonElement>("/model")).GetProperty("version").GetInt32());
    }
}
