using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Model.Mlflow;
using AllClassifier.Tests.Mlflow;

namespace AllClassifier.Api.Tests;

/// <summary>The MLflow follower refuses a model over its download limit and keeps the API up, reporting Degraded.</summary>
public sealed class MlflowFollowLimitTests : IAsyncLifetime
{
    private FakeMlflowServer _server = null!;
    private ApiFactory _api = null!;
    private string _cache = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeMlflowServer.StartAsync();
        _cache = Directory.CreateTempSubdirectory("allclassifier-mlflow-limit-").FullName;
        _api = new ApiFactory(settings: new Dictionary<string, string?>
        {
            ["ModelServing:Mlflow:FollowChampion"] = "true",
            ["MLFLOW_TRACKING_URI"] = _server.BaseAddress.ToString(),
            ["ModelServing:Mlflow:CacheDirectory"] = _cache,
            ["ModelServing:Mlflow:PollInterval"] = "00:00:00.100",
            ["ModelServing:Mlflow:MaxDownloadBytes"] = "100",
        });
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Delete(_cache, recursive: true);
    }

    [Fact]
    public async Task A_model_over_the_download_limit_is_refused_and_reported()
    {
        var mlflow = new MlflowClient(new HttpClient { BaseAddress = _server.BaseAddress }, TimeProvider.System);
        var experiment = await mlflow.GetOrCreateExperimentAsync("all_classification_pipeline");
        var run = await mlflow.CreateRunAsync(experiment, "run-1");
        var file = Path.Combine(_api.Root, "upload.onnx");
        await File.WriteAllBytesAsync(file, TinyClassifierModel.Create(seed: 1));
        await mlflow.UploadArtifactAsync(run.Info.ArtifactUri, "model/model.onnx", file);
        await mlflow.EnsureRegisteredModelAsync("all-classifier");
        var version = await mlflow.CreateModelVersionAsync("all-classifier", $"{run.Info.ArtifactUri}/model", run.Info.RunId);
        await mlflow.SetAliasAsync("all-classifier", "champion", version.Number);
        var client = _api.CreateClient();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!_api.Logs.GetSnapshot().Any(log => log.Message.Contains("100-byte download limit", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, "The follower did not report the download limit in time.");
            await Task.Delay(50);
        }

        Assert.Equal("Degraded", await client.GetStringAsync("/health"));
        Assert.Empty(Directory.GetFiles(_cache, "model.onnx", SearchOption.AllDirectories));
        Assert.Equal(503, (int)(await client.GetAsync("/model")).StatusCode);
    }
}
