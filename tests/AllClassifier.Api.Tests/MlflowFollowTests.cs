using System.Text.Json;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Mlflow;
using AllClassifier.Model.Registry;
using AllClassifier.Tests.Mlflow;
using AllClassifier.Api.Serving;
using AllClassifier.Tests.Onnx;
using AllClassifier.Tests.Signing;

namespace AllClassifier.Api.Tests;

/// <summary>The API configured to follow MLflow's champion alias, against the in-process fake MLflow server.</summary>
public sealed class MlflowFollowTests : IAsyncLifetime
{
    private FakeMlflowServer _server = null!;
    private MlflowClient _mlflow = null!;
    private ApiFactory _api = null!;
    private string _cache = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeMlflowServer.StartAsync();
        _mlflow = new MlflowClient(new HttpClient { BaseAddress = _server.BaseAddress }, TimeProvider.System);
        _cache = Directory.CreateTempSubdirectory("allclassifier-mlflow-cache-").FullName;
        _api = CreateApi();
    }

    /// <summary>An API following the fake MLflow; only the factory a test starts (by creating a client) runs.</summary>
    private ApiFactory CreateApi(long maxDownloadBytes = MlflowRegistryMirror.DefaultMaxFileBytes, string? cacheDirectory = null) => new(settings: new Dictionary<string, string?>
    {
        ["ModelServing:Mlflow:FollowChampion"] = "true",
        ["MLFLOW_TRACKING_URI"] = _server.BaseAddress.ToString(),
        ["ModelServing:Mlflow:CacheDirectory"] = cacheDirectory ?? _cache,
        ["ModelServing:Mlflow:PollInterval"] = "00:00:00.100",
        ["ModelServing:Mlflow:MaxDownloadBytes"] = maxDownloadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Delete(_cache, recursive: true);
    }

    [Fact]
    public async Task Serves_the_mlflow_champion_swaps_when_the_alias_moves_and_degrades_when_mlflow_is_down()
    {
        await RegisterAsync(TinyClassifierModel.Create(seed: 1), champion: true);
        var client = _api.CreateClient();

        await _api.WaitForModelVersionAsync(1, TimeSpan.FromSeconds(30));
        var card = JsonDocument.Parse(await client.GetStringAsync("/model")).RootElement;
        Assert.Equal("1", card.GetProperty("parameters").GetProperty(MlflowParameterNames.Version).GetString());
        // The tiny model has no referral gate, so the API as a whole is Degraded: the follower's own check is asserted.
        Assert.Equal("Healthy", await MlflowCheckAsync(client));
        var chart = await client.GetAsync("/model/confusion-matrix.png");
        Assert.True(chart.IsSuccessStatusCode, $"confusion matrix: {(int)chart.StatusCode}");
        Assert.Equal(ChartOf(1), await chart.Content.ReadAsByteArrayAsync());
        Assert.False(Directory.Exists(Path.Combine(_api.RegistryDirectory, LocalModelRegistry.ModelName)));

        // A challenger does not move the alias: still version 1. The next champion is swapped in.
        await RegisterAsync(TinyClassifierModel.Create(seed: 2), champion: false);
        await RegisterAsync(TinyClassifierModel.Create(seed: 3), champion: true);
        await _api.WaitForModelVersionAsync(3, TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(_server.Requests, r => r.Path.EndsWith($"/artifacts/model/model.onnx", StringComparison.Ordinal) && r.Method == "GET" && r.Path.Contains(_runs[1], StringComparison.Ordinal));

        await _server.DisposeAsync();
        await WaitUntilAsync(async () => await MlflowCheckAsync(client) == "Degraded");

        var prediction = await client.PostAsync("/predict", Forms.Image(TestImages.Jpeg(seed: 5)));
        Assert.True(prediction.IsSuccessStatusCode, await prediction.Content.ReadAsStringAsync());
        Assert.Equal(3, JsonDocument.Parse(await prediction.Content.ReadAsStringAsync()).RootElement.GetProperty("model_version").GetInt32());
        _server = await FakeMlflowServer.StartAsync();
    }

    [Fact]
    public async Task An_mlflow_champion_that_does_not_load_is_refused_and_reported()
    {
        await RegisterAsync(TinyClassifierModel.Create(seed: 1), champion: true);
        var client = _api.CreateClient();
        await _api.WaitForModelVersionAsync(1, TimeSpan.FromSeconds(30));

        await RegisterAsync("not a model"u8.ToArray(), champion: true);
        await WaitUntilAsync(async () => await MlflowCheckAsync(client) == "Degraded");

        Assert.Equal(1, JsonDocument.Parse(await client.GetStringAsync("/model")).RootElement.GetProperty("version").GetInt32());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_unsigned_mlflow_champion_with_or_without_a_card_is_refused_and_reported(bool withCard)
    {
        await RegisterAsync(TinyClassifierModel.Create(seed: 1), champion: true);
        var client = _api.CreateClient();
        await _api.WaitForModelVersionAsync(1, TimeSpan.FromSeconds(30));

        // Whoever reaches MLflow (it has no authentication) registers a model of their own and moves the alias.
        await RegisterAsync(TinyClassifierModel.Create(seed: 4), champion: true, signed: false, withCard: withCard);
        await WaitUntilAsync(() => Task.FromResult(_api.Logs.GetSnapshot().Any(log =>
            log.Message.Contains("MLflow version 2 of 'all-classifier' was refused: the version has no signature.json", StringComparison.Ordinal))));

        Assert.Equal("Degraded", await MlflowCheckAsync(client));
        Assert.Equal(1, JsonDocument.Parse(await client.GetStringAsync("/model")).RootElement.GetProperty("version").GetInt32());
        Assert.Null(new LocalModelRegistry(_cache).Find(2));
    }

    [Fact]
    public async Task A_model_over_the_download_limit_is_refused_and_reported()
    {
        await using var limited = CreateApi(maxDownloadBytes: 100);
        await RegisterAsync(TinyClassifierModel.Create(seed: 1), champion: true);
        var client = limited.CreateClient();

        await WaitUntilAsync(() => Task.FromResult(
            limited.Logs.GetSnapshot().Any(log => log.Message.Contains("100-byte download limit", StringComparison.Ordinal))));

        Assert.Equal("Degraded", await MlflowCheckAsync(client));
        Assert.Empty(Directory.GetFiles(_cache, "model.onnx", SearchOption.AllDirectories));
        Assert.Equal(503, (int)(await client.GetAsync("/model")).StatusCode);
    }

    [Fact]
    public async Task A_cache_that_cannot_be_written_is_reported_and_the_api_keeps_answering()
    {
        // A file where the cache folder should be: every sync fails with an IOException, not an MLflow error.
        var blocked = Path.Combine(_cache, "blocked");
        await File.WriteAllTextAsync(blocked, "not a folder");
        await using var api = CreateApi(cacheDirectory: blocked);
        await RegisterAsync(TinyClassifierModel.Create(seed: 1), champion: true);
        var client = api.CreateClient();

        // Several failed polls in a row: the follower keeps polling instead of dying with the first exception.
        await WaitUntilAsync(() => Task.FromResult(
            api.Logs.GetSnapshot().Count(log => log.Message.StartsWith("Could not follow MLflow", StringComparison.Ordinal)) >= 3));

        Assert.Equal("Degraded", await MlflowCheckAsync(client));
        Assert.Equal("""{"status":"ok"}""", await client.GetStringAsync("/ping"));
    }

    private readonly List<string> _runs = [];

    /// <summary>
    /// Uploads a run as the trainer does: under <c>model/</c> the model, its card (naming the MLflow version it becomes)
    /// and their signature, made with the test key unless <paramref name="signed"/> is false; without
    /// <paramref name="withCard"/> only the model is uploaded.
    /// </summary>
    private async Task RegisterAsync(byte[] model, bool champion, bool signed = true, bool withCard = true)
    {
        var experiment = await _mlflow.GetOrCreateExperimentAsync("all_classification_pipeline");
        var run = await _mlflow.CreateRunAsync(experiment, $"run-{_runs.Count + 1}");
        _runs.Add(run.Info.RunId);
        var folder = Directory.CreateDirectory(Path.Combine(_api.Root, $"upload-{_runs.Count}")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(folder, "model.onnx"), model);
        var card = TestModels.Card(_runs.Count) with { ModelSha256 = ModelCard.Sha256Of(model) };
        card = card with
        {
            Parameters = new Dictionary<string, string>(card.Parameters)
            {
                [MlflowParameterNames.Version] = _runs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        };
        if (withCard)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "model.json"), card.ToJson());
        }

        // The trainer logs evaluation output at the run's root, beside (not inside) the registered model/ folder.
        await File.WriteAllBytesAsync(Path.Combine(folder, LocalModelRegistry.ConfusionMatrixFileName), ChartOf(_runs.Count));
        if (signed)
        {
            TestSigningKey.Sign(folder);
        }

        foreach (var file in new[] { "model.onnx", "model.json", ModelSignature.FileName }.Where(f => File.Exists(Path.Combine(folder, f))))
        {
            await _mlflow.UploadArtifactAsync(run.Info.ArtifactUri, $"model/{file}", Path.Combine(folder, file));
        }

        await _mlflow.UploadArtifactAsync(
            run.Info.ArtifactUri, LocalModelRegistry.ConfusionMatrixFileName, Path.Combine(folder, LocalModelRegistry.ConfusionMatrixFileName));
        await _mlflow.EnsureRegisteredModelAsync("all-classifier");
        var version = await _mlflow.CreateModelVersionAsync("all-classifier", $"{run.Info.ArtifactUri}/model", run.Info.RunId);
        if (champion)
        {
            await _mlflow.SetAliasAsync("all-classifier", "champion", version.Number);
        }
    }

    private static byte[] ChartOf(int run) => [0x89, (byte)'P', (byte)'N', (byte)'G', (byte)run];

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not hold in time.");
            }

            await Task.Delay(50);
        }
    }

    private static async Task<string?> MlflowCheckAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await client.SendAsync(request);
        using var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return health.RootElement.GetProperty("checks").GetProperty("mlflow").GetProperty("status").GetString();
    }
}
