using System.Security.Cryptography;
using AllClassifier.Mlflow;
using AllClassifier.Api.Serving;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Model.Registry;
using AllClassifier.Tests.Mlflow;
using AllClassifier.Tests.Onnx;
using AllClassifier.Tests.Signing;
using Microsoft.Extensions.DependencyInjection;

namespace AllClassifier.Api.Tests.Serving;

public sealed class MlflowRegistryMirrorTests : IAsyncLifetime
{
    // Stands for "no signature" where RegisterAsync takes a signing key.
    private static readonly ECDsa Unsigned = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private readonly byte[] _model = TinyClassifierModel.Create(seed: 5);
    private readonly byte[] _chart = [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3];
    private readonly TempDirectory _cache = new();
    private FakeMlflowServer _server = null!;
    private MlflowClient _client = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeMlflowServer.StartAsync();
        (_client, _services) = MlflowTestClients.Create(_server.BaseAddress, maxRetryAttempts: 1);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _server.DisposeAsync();
        _cache.Dispose();
    }

    [Fact]
    public async Task Unset_alias_leaves_the_cache_alone()
    {
        var result = await new MlflowRegistryMirror(_client, TestModels.Verifier()).SyncAsync(_cache.Path);

        Assert.Equal(new MlflowMirrorResult(null, false, null), result);
        Assert.Empty(Directory.GetFileSystemEntries(_cache.Path));
    }

    [Fact]
    public async Task Champion_is_downloaded_validated_and_aliased_locally_once()
    {
        var run = await RegisterAsync(_model, localVersion: 3, setChampion: true);
        var mirror = new MlflowRegistryMirror(_client, TestModels.Verifier());
        _server.ClearRequests();

        var first = await mirror.SyncAsync(_cache.Path);
        var requestsAfterFirst = _server.Requests.Select(r => r.Line + r.Query).ToList();
        var second = await mirror.SyncAsync(_cache.Path);

        var local = new LocalModelRegistry(_cache.Path);
        Assert.Equal(new MlflowMirrorResult(1, true, local.Find(1)!.ModelPath), first);
        Assert.Equal(new MlflowMirrorResult(1, false, local.Find(1)!.ModelPath), second);
        var runRoot = $"/api/2.0/mlflow-artifacts/artifacts/1/{run}/artifacts";
        Assert.Equal(
            [
                "GET /api/2.0/mlflow/registered-models/alias?name=all-classifier&alias=champion",
                $"GET /api/2.0/mlflow-artifacts/artifacts?path=1%2F{run}%2Fartifacts%2Fmodel",
                $"GET {runRoot}/model/signature.json",
                $"GET {runRoot}/model/model.onnx",
                $"GET {runRoot}/model/model.json",
                $"GET /api/2.0/mlflow/runs/get?run_id={run}",
                $"GET /api/2.0/mlflow-artifacts/artifacts?path=1%2F{run}%2Fartifacts",
                $"GET {runRoot}/confusion_matrix.png",
            ],
            requestsAfterFirst);
        Assert.Equal(["GET /api/2.0/mlflow/registered-models/alias"], _server.Requests.Skip(requestsAfterFirst.Count).Select(r => r.Line));
        Assert.Equal(1, local.ResolveAlias());
        Assert.Equal(_model, await File.ReadAllBytesAsync(local.Find(1)!.ModelPath));
        Assert.Equal(_chart, await File.ReadAllBytesAsync(local.Find(1)!.ConfusionMatrixPath));
        var card = local.Find(1)!.Card;
        Assert.Equal(1, card.Version);
        Assert.Equal("train-run-1", card.RunId);
        Assert.Equal("1", card.Parameters[MlflowParameterNames.Version]);
        Assert.Equal("softmax", card.Parameters["head"]);
        // Kept as the trainer signed it: the signature still vouches for every file of the copy.
        Assert.Equal(3, ModelCard.FromJson(await File.ReadAllTextAsync(Path.Combine(local.Find(1)!.Directory, "model.json"))).Version);
        ModelSignature.Verify(local.Find(1)!.Directory, [TestSigningKey.PrivateKey]);
        Assert.Empty(Directory.GetDirectories(local.VersionsDirectory, ".*"));
    }

    [Fact]
    public async Task Moving_the_alias_fetches_the_new_version()
    {
        await RegisterAsync(_model, localVersion: 1, setChampion: true);
        var mirror = new MlflowRegistryMirror(_client, TestModels.Verifier());
        await mirror.SyncAsync(_cache.Path);
        await RegisterAsync(_model, localVersion: 2, setChampion: true);

        var result = await mirror.SyncAsync(_cache.Path);

        Assert.Equal(2, result.Version);
        Assert.True(result.Downloaded);
        Assert.Equal(2, new LocalModelRegistry(_cache.Path).ResolveAlias());
    }

    [Fact]
    public async Task The_cache_keeps_only_the_followed_version_and_the_two_before_it()
    {
        var mirror = new MlflowRegistryMirror(_client, TestModels.Verifier());
        for (var version = 1; version <= 4; version++)
        {
            await RegisterAsync(_model, localVersion: version, setChampion: true);
            await mirror.SyncAsync(_cache.Path);
        }

        var local = new LocalModelRegistry(_cache.Path);
        Assert.Equal([2, 3, 4], local.List().Select(v => v.Version));
        Assert.Equal(4, local.ResolveAlias());
        Assert.Equal(3, local.ResolveAlias(LocalModelRegistry.PreviousChampionAlias));
    }

    [Fact]
    public void The_tiny_test_model_scores_like_the_served_one()
    {
        using var classifier = AllClassifier.Model.Inference.OnnxClassifier.Load(_model);
        var scores = classifier.Score(new float[AllClassifier.Model.Imaging.ImagePreprocessor.TensorLength]);
        Assert.Equal(4, classifier.ClassCount);
        Assert.InRange(scores.Probabilities.Sum(), 0.999f, 1.001f);
    }

    [Fact]
    public async Task A_model_that_does_not_load_is_refused_and_the_cache_keeps_its_champion()
    {
        await RegisterAsync(_model, localVersion: 1, setChampion: true);
        var mirror = new MlflowRegistryMirror(_client, TestModels.Verifier());
        await mirror.SyncAsync(_cache.Path);
        await RegisterAsync("not an onnx model"u8.ToArray(), localVersion: 2, setChampion: true);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => mirror.SyncAsync(_cache.Path));

        Assert.Contains("version 2", error.Message);
        var local = new LocalModelRegistry(_cache.Path);
        Assert.Equal(1, local.ResolveAlias());
        Assert.Null(local.Find(2));
        Assert.Empty(Directory.GetDirectories(local.VersionsDirectory, ".*"));
    }

    [Fact]
    public async Task Unreachable_mlflow_is_an_error_and_the_cached_champion_stays()
    {
        await RegisterAsync(_model, localVersion: 1, setChampion: true);
        await new MlflowRegistryMirror(_client, TestModels.Verifier()).SyncAsync(_cache.Path);
        await _server.DisposeAsync();

        var error = await Assert.ThrowsAsync<MlflowException>(() => new MlflowRegistryMirror(_client, TestModels.Verifier()).SyncAsync(_cache.Path));

        Assert.True(error.IsUnreachable);
        Assert.Equal(1, new LocalModelRegistry(_cache.Path).ResolveAlias());
        _server = await FakeMlflowServer.StartAsync();
    }

    [Fact]
    public async Task A_model_that_differs_from_its_card_hash_is_refused_and_the_cache_keeps_its_champion()
    {
        await RegisterAsync(_model, localVersion: 1, setChampion: true, modelSha256: ModelCard.Sha256Of(_model));
        var mirror = new MlflowRegistryMirror(_client, TestModels.Verifier());
        await mirror.SyncAsync(_cache.Path);
        var other = TinyClassifierModel.Create(seed: 6);
        await RegisterAsync(other, localVersion: 2, setChampion: true, modelSha256: ModelCard.Sha256Of(_model));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => mirror.SyncAsync(_cache.Path));

        Assert.Contains("SHA-256", error.Message);
        var local = new LocalModelRegistry(_cache.Path);
        Assert.Equal(1, local.ResolveAlias());
        Assert.Equal(ModelCard.Sha256Of(_model), local.Find(1)!.Card.ModelSha256);
        Assert.Null(local.Find(2));
        Assert.Empty(Directory.GetDirectories(local.VersionsDirectory, ".*"));
    }

    [Fact]
    public async Task A_file_over_the_download_limit_is_refused_before_it_is_kept()
    {
        await RegisterAsync(_model, localVersion: 1, setChampion: true);

        var error = await Assert.ThrowsAsync<InvalidDataException>(
            () => new MlflowRegistryMirror(_client, TestModels.Verifier()).SyncAsync(_cache.Path, maxFileBytes: _model.Length - 1));

        Assert.Contains("download limit", error.Message);
        var local = new LocalModelRegistry(_cache.Path);
        Assert.Null(local.ResolveAlias());
        Assert.Empty(Directory.GetFileSystemEntries(local.VersionsDirectory));
        Assert.Equal(1, (await new MlflowRegistryMirror(_client, TestModels.Verifier()).SyncAsync(_cache.Path)).Version);
    }

    [Fact]
    public async Task A_version_without_a_confusion_matrix_is_mirrored_without_one()
    {
        await RegisterAsync(_model, localVersion: 1, setChampion: true, withChart: false);

        await new MlflowRegistryMirror(_client, TestModels.Verifier()).SyncAsync(_cache.Path);

        Assert.False(File.Exists(new LocalModelRegistry(_cache.Path).Find(1)!.ConfusionMatrixPath));
    }

    [Fact]
    public async Task An_unsigned_version_is_refused_and_the_cache_keeps_its_champion()
    {
        await RegisterAsync(_model, localVersion: 1, setChampion: true);
        var mirror = new MlflowRegistryMirror(_client, TestModels.Verifier());
        await mirror.SyncAsync(_cache.Path);
        await RegisterAsync(TinyClassifierModel.Create(seed: 6), localVersion: 2, setChampion: true, signer: Unsigned);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => mirror.SyncAsync(_cache.Path));

        Assert.Contains("version 2", error.Message);
        Assert.Contains("no signature.json", error.Message);
        AssertStillOnVersionOne();
    }

    [Fact]
    public async Task A_card_rewritten_to_a_new_models_hash_is_refused()
    {
        await RegisterAsync(_model, localVersion: 1, setChampion: true);
        var mirror = new MlflowRegistryMirror(_client, TestModels.Verifier());
        await mirror.SyncAsync(_cache.Path);
        // Whoever can write to MLflow swaps in their model and a card naming its hash, and keeps a real signature.
        var theirs = TinyClassifierModel.Create(seed: 6);
        await RegisterAsync(_model, localVersion: 2, setChampion: true, tamper: folder =>
        {
            File.WriteAllBytes(Path.Combine(folder, "model.onnx"), theirs);
            var card = ModelCard.FromJson(File.ReadAllText(Path.Combine(folder, "model.json")));
            File.WriteAllText(Path.Combine(folder, "model.json"), (card with { ModelSha256 = ModelCard.Sha256Of(theirs) }).ToJson());
        });

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => mirror.SyncAsync(_cache.Path));

        Assert.Contains("differs from the SHA-256 that signature.json signs", error.Message);
        AssertStillOnVersionOne();
    }

    [Fact]
    public async Task A_version_signed_by_an_untrusted_key_is_refused()
    {
        await RegisterAsync(_model, localVersion: 1, setChampion: true);
        var mirror = new MlflowRegistryMirror(_client, TestModels.Verifier());
        await mirror.SyncAsync(_cache.Path);
        using var theirKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await RegisterAsync(TinyClassifierModel.Create(seed: 6), localVersion: 2, setChampion: true, signer: theirKey);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => mirror.SyncAsync(_cache.Path));

        Assert.Contains($"key {ModelSignature.KeyIdOf(theirKey)}, which is not among the trusted keys", error.Message);
        AssertStillOnVersionOne();
    }

    private void AssertStillOnVersionOne()
    {
        var local = new LocalModelRegistry(_cache.Path);
        Assert.Equal(1, local.ResolveAlias());
        Assert.Null(local.Find(2));
        Assert.Empty(Directory.GetDirectories(local.VersionsDirectory, ".*"));
    }

    /// <summary>
    /// Uploads a run the way the trainer does (the model, its card and their signature under <c>model/</c>, the
    /// confusion matrix at the run's root) and registers its <c>model/</c> folder; returns the MLflow run id.
    /// <paramref name="signer"/> signs the version (the test key unless given; <see cref="Unsigned"/>: no signature),
    /// then <paramref name="tamper"/> may change the signed folder before it is uploaded.
    /// </summary>
    private async Task<string> RegisterAsync(
        byte[] model,
        int localVersion,
        bool setChampion,
        bool withChart = true,
        string? modelSha256 = null,
        ECDsa? signer = null,
        Action<string>? tamper = null)
    {
        var experiment = await _client.GetOrCreateExperimentAsync("all_classification_pipeline");
        var run = await _client.CreateRunAsync(experiment, $"train-run-{localVersion}");
        using var files = new TempDirectory();
        await File.WriteAllBytesAsync(Path.Combine(files.Path, "model.onnx"), model);
        var card = new ModelCard
        {
            Version = localVersion,
            RunId = "train-run-1",
            Metrics = new EvaluationMetrics { Accuracy = 0.9 },
            TrainingDataHash = "abc",
            Parameters = new Dictionary<string, string> { ["head"] = "softmax", [MlflowParameterNames.Version] = "1" },
            ModelSha256 = modelSha256 ?? ModelCard.Sha256Of(model),
        };
        await File.WriteAllTextAsync(Path.Combine(files.Path, "model.json"), card.ToJson());
        var chartPath = Path.Combine(files.Path, LocalModelRegistry.ConfusionMatrixFileName);
        if (withChart)
        {
            await File.WriteAllBytesAsync(chartPath, _chart);
        }

        if (!ReferenceEquals(signer, Unsigned))
        {
            ModelSignature.Sign(files.Path, signer ?? TestSigningKey.PrivateKey);
        }

        tamper?.Invoke(files.Path);
        foreach (var file in new[] { "model.onnx", "model.json", ModelSignature.FileName }.Where(f => File.Exists(Path.Combine(files.Path, f))))
        {
            await _client.UploadArtifactAsync(run.Info.ArtifactUri, $"model/{file}", Path.Combine(files.Path, file));
        }

        if (withChart)
        {
            await _client.UploadArtifactAsync(run.Info.ArtifactUri, LocalModelRegistry.ConfusionMatrixFileName, chartPath);
        }

        await _client.EnsureRegisteredModelAsync("all-classifier");
        var version = await _client.CreateModelVersionAsync("all-classifier", $"{run.Info.ArtifactUri}/model", run.Info.RunId);
        if (setChampion)
        {
            await _client.SetAliasAsync("all-classifier", "champion", version.Number);
        }

        return run.Info.RunId;
    }
}
