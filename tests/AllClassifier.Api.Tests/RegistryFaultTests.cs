using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Model.Registry;

namespace AllClassifier.Api.Tests;

/// <summary>
/// A bad file behind the champion alias never stops the API: the last good model keeps serving, /health says
/// Degraded and why, and pointing the alias at a good version again makes it Healthy.
/// </summary>
public sealed class RegistryFaultTests : IAsyncLifetime
{
    private readonly ApiFactory _api = new();
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        TestModels.Register(_api.RegistryDirectory, TestModels.Model);
        _client = _api.CreateClient();
        await _api.WaitForModelVersionAsync(1);
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    public enum Breakage
    {
        CorruptCard,
        AliasToMissingVersion,
        EmptyModelFile,
        ModelFileReplaced,
    }

    [Theory]
    [InlineData(Breakage.CorruptCard, "model.json is unreadable")]
    [InlineData(Breakage.AliasToMissingVersion, "names version 5, which is not in the registry")]
    [InlineData(Breakage.EmptyModelFile, "model.onnx is missing or empty")]
    [InlineData(Breakage.ModelFileReplaced, "model.onnx differs from the SHA-256 that signature.json signs")]
    public async Task A_bad_champion_is_reported_as_degraded_while_the_last_good_model_serves(Breakage breakage, string problem)
    {
        var registry = new LocalModelRegistry(_api.RegistryDirectory);
        var next = TestModels.Register(_api.RegistryDirectory, TestModels.Compose(TestModels.RandomHead(seed: 11)), makeChampion: false);
        switch (breakage)
        {
            case Breakage.CorruptCard:
                await File.WriteAllTextAsync(Path.Combine(next.Directory, LocalModelRegistry.CardFileName), "{\"version\": 2, \"run_");
                break;
            case Breakage.EmptyModelFile:
                await File.WriteAllBytesAsync(next.ModelPath, []);
                break;
            case Breakage.ModelFileReplaced:
                // A model that loads and passes the probe, but is not the one the card was written for.
                await File.WriteAllBytesAsync(next.ModelPath, TestModels.Model);
                break;
        }

        var target = breakage == Breakage.AliasToMissingVersion ? 5 : next.Version;
        // Published by rename, as the registry does: the watcher must never see a half-written alias.
        var alias = registry.AliasPath(LocalModelRegistry.ChampionAlias);
        await File.WriteAllTextAsync(alias + ".tmp", target.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.Move(alias + ".tmp", alias, overwrite: true);

        await WaitForHealthAsync("Degraded");
        var prediction = await ApiAssert.OkJsonAsync(await _client.PostAsync("/predict", Forms.Image(TestImages.Jpeg(seed: 3))));
        Assert.Equal(1, prediction.GetProperty("model_version").GetInt32());
        await WaitForLogAsync(problem);

        registry.SetAlias(1);
        await WaitForHealthAsync("Healthy");
    }

    private async Task WaitForLogAsync(string problem)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!_api.Logs.GetSnapshot().Any(log => (log.Message + log.Exception?.Message).Contains(problem, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"No log entry named the problem \"{problem}\" in time.");
            await Task.Delay(50);
        }
    }

    private async Task WaitForHealthAsync(string expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await _client.GetStringAsync("/health") != expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"/health did not become {expected} in time.");
            await Task.Delay(50);
        }
    }
}
