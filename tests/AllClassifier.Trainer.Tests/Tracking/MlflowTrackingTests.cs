using System.Text.Json.Nodes;
using AllClassifier.Mlflow;
using AllClassifier.Model.Registry;
using AllClassifier.Tests.Mlflow;
using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Signing;
using AllClassifier.Trainer.Tests.Commands;
using AllClassifier.Tests.Signing;
using AllClassifier.Trainer.Tracking;
using Microsoft.Extensions.DependencyInjection;

namespace AllClassifier.Trainer.Tests.Tracking;

/// <summary>A real pipeline run (small synthetic dataset) reporting to the in-process fake MLflow server.</summary>
public sealed class TrackedPipelineFixture : IAsyncLifetime
{
    public const int PerClass = 16;

    private readonly TempDirectory _root = new();

    public FakeMlflowServer Server { get; private set; } = null!;

    public string DataDirectory => _root.Combine("data");

    public string WorkDirectory => _root.Combine("work");

    public string RegistryDirectory => _root.Combine("registry");

    public string[] Common => ["--workdir", WorkDirectory, "--registry", RegistryDirectory];

    public (int ExitCode, string Output) Run { get; private set; }

    public IReadOnlyList<RecordedRequest> RunRequests { get; private set; } = [];

    public string RunId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Server = await FakeMlflowServer.StartAsync();
        // The first poll of the new version still finds it registering.
        Server.PendingPolls = 1;
        var (synthExit, synthOutput) = await Cli.RunAsync("synth", "--out", DataDirectory, "--per-class", PerClass.ToString(), "--seed", "7");
        Assert.True(synthExit == 0, synthOutput);
        Run = await RunAsync(["run", "--data", DataDirectory, .. Common, "--augment-views", "0"]);
        RunRequests = Server.Requests;
        if (Run.ExitCode == 0)
        {
            RunId = new WorkDirectory(WorkDirectory).ResolveRunId(null);
        }
    }

    /// <summary>Runs the trainer CLI the way Program does with MLFLOW_TRACKING_URI set to the fake server.</summary>
    public Task<(int ExitCode, string Output)> RunAsync(string[] args) =>
        Cli.RunAsync(
            services => services
                .AddMlflowTracking(new MlflowTrackingOptions { TrackingUri = Server.BaseAddress, RegistrationPollInterval = TimeSpan.FromMilliseconds(10) })
                .Configure<ModelSigningKeyOptions>(signing => signing.PrivateKey = TestSigningKey.PrivateKeyPem),
            args);

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        _root.Dispose();
    }
}

public sealed class MlflowTrackingTests(TrackedPipelineFixture fixture) : IClassFixture<TrackedPipelineFixture>
{
    private const string Api = "/api/2.0/mlflow/";

    [Fact]
    public void A_pipeline_run_is_one_mlflow_run_with_params_metrics_artifacts_and_a_champion_version()
    {
        Assert.True(fixture.Run.ExitCode == 0, fixture.Run.Output);
        var requests = fixture.RunRequests;
        var mlflowRunId = MlflowExperimentTracker.MlflowRunIdOf(new WorkDirectory(fixture.WorkDirectory).RunDirectory(fixture.RunId))!;
        var artifacts = $"/api/2.0/mlflow-artifacts/artifacts/1/{mlflowRunId}/artifacts/";
        var report = WorkDirectory.ReadJson<TestReport>(new WorkDirectory(fixture.WorkDirectory).RunFiles(fixture.RunId).Metrics);
        var servedInt8 = report.Precision == BackbonePrecision.Int8;
        var afterTest = servedInt8 ? 2 : 0;
        Assert.Equal(
            [
                $"GET {Api}experiments/get-by-name",
                $"POST {Api}experiments/create",
                $"POST {Api}runs/create",
                $"POST {Api}runs/log-batch",
                $"POST {Api}runs/log-batch",
                $"PUT {artifacts}model/model.onnx",
                $"PUT {artifacts}model/head.json",
                $"PUT {artifacts}training_history.json",
                $"PUT {artifacts}manifests/summary.json",
                $"PUT {artifacts}manifests/test.csv",
                $"PUT {artifacts}manifests/train.csv",
                $"PUT {artifacts}manifests/val.csv",
                $"POST {Api}runs/log-batch",
                $"PUT {artifacts}confusion_matrix.png",
                $"PUT {artifacts}metrics.json",
                // The INT8 candidate passed its accuracy check: the tracked model folder gets what is served.
                .. servedInt8 ? [$"PUT {artifacts}model/model.onnx", $"PUT {artifacts}model/head.json"] : Array.Empty<string>(),
                // The signed card before the version exists, so a follower never finds the champion unsigned.
                $"PUT {artifacts}model/model.json",
                $"PUT {artifacts}model/signature.json",
                $"POST {Api}registered-models/create",
                $"POST {Api}model-versions/create",
                $"GET {Api}model-versions/get",
                $"POST {Api}registered-models/alias",
                $"POST {Api}runs/log-batch",
                $"PUT {artifacts}model/model.json",
                $"PUT {artifacts}model/signature.json",
                $"POST {Api}runs/update",
            ],
            requests.Select(r => r.Line));

        Assert.Equal("?experiment_name=all_classification_pipeline", requests[0].Query);
        Assert.Equal("all_classification_pipeline", requests[1].Body!["name"]!.GetValue<string>());
        var create = requests[2].Body!;
        Assert.Equal("1", create["experiment_id"]!.GetValue<string>());
        Assert.Equal(fixture.RunId, create["run_name"]!.GetValue<string>());
        var tags = Pairs(create["tags"]);
        Assert.False(tags.ContainsKey("mlflow.runName"));
        Assert.Equal("all_classification_pipeline", tags["pipeline"]);
        Assert.Equal("AllClassifier.Trainer", tags["mlflow.source.name"]);
        Assert.False(string.IsNullOrEmpty(tags["trainer_version"]));

        var parameters = Pairs(requests[3].Body!["params"]);
        Assert.Equal("softmax", parameters["head"]);
        Assert.Equal("42", parameters["seed"]);
        Assert.Equal("0", parameters["augment_views"]);
        Assert.Contains(parameters, p => p.Key.StartsWith("count/", StringComparison.Ordinal));
        Assert.Null(requests[3].Body!["metrics"]);

        var epochMetrics = requests[4].Body!["metrics"]!.AsArray();
        Assert.Equal(["temperature", "train_loss", "val_accuracy", "val_loss", "val_macro_f1"], epochMetrics.Select(m => m!["key"]!.GetValue<string>()).Distinct().Order());
        Assert.All(epochMetrics, m => Assert.True(m!["timestamp"]!.GetValue<long>() > 0 && m["step"]!.GetValue<long>() >= 1));
        var testMetrics = requests[12].Body!["metrics"]!.AsArray().ToDictionary(m => m!["key"]!.GetValue<string>(), m => m!["value"]!.GetValue<double>());
        Assert.Equal(report.Metrics.MacroF1, testMetrics["test_macro_f1"]);
        Assert.Equal(report.Metrics.Accuracy, testMetrics["test_accuracy"]);
        Assert.Equal(report.Metrics.Calibration!.ExpectedCalibrationError, testMetrics["test_ece"]);

        Assert.Equal("""{"name":"all-classifier"}""", requests[17 + afterTest].Body!.ToJsonString());
        var version = requests[18 + afterTest].Body!;
        Assert.Equal($"mlflow-artifacts:/1/{mlflowRunId}/artifacts/model", version["source"]!.GetValue<string>());
        Assert.Equal(mlflowRunId, version["run_id"]!.GetValue<string>());
        Assert.Equal("""{"name":"all-classifier","alias":"champion","version":"1"}""", requests[20 + afterTest].Body!.ToJsonString());
        var registrationTags = Pairs(requests[21 + afterTest].Body!["tags"]);
        Assert.Equal("1", registrationTags["allclassifier.local_version"]);
        Assert.Equal("true", registrationTags["allclassifier.champion"]);
        var update = requests[24 + afterTest].Body!;
        Assert.Equal(mlflowRunId, update["run_id"]!.GetValue<string>());
        Assert.Equal("FINISHED", update["status"]!.GetValue<string>());
        Assert.True(update["end_time"]!.GetValue<long>() > 0);
        Assert.Equal("FINISHED", fixture.Server.Run(mlflowRunId).Status);
        Assert.Equal(fixture.RunId, fixture.Server.Run(mlflowRunId).Tags["mlflow.runName"]);
        Assert.Contains($"MLflow {fixture.Server.BaseAddress}: run {mlflowRunId}, model 'all-classifier' version 1", fixture.Run.Output);
    }

    [Fact]
    public async Task A_server_without_artifact_proxying_is_refused_when_the_run_is_created_before_training()
    {
        Assert.True(fixture.Run.ExitCode == 0, fixture.Run.Output);
        await using var server = await FakeMlflowServer.StartAsync(serveArtifacts: false);
        using var root = new TempDirectory();

        var (exitCode, output) = await Cli.RunAsync(
            services => services.AddMlflowTracking(new MlflowTrackingOptions { TrackingUri = server.BaseAddress }),
            "run", "--data", fixture.DataDirectory, "--workdir", root.Combine("work"), "--registry", root.Combine("registry"));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("artifact proxying", output);
        Assert.Single(server.Requests, r => r.Path == Api + "runs/create");
        Assert.DoesNotContain(server.Requests, r => r.Method == "PUT" || r.Path.Contains("model-versions", StringComparison.Ordinal));
        Assert.Empty(Directory.EnumerateFiles(root.Combine("work", "runs"), RunFiles.ModelFileName, SearchOption.AllDirectories));
        Assert.Null(new LocalModelRegistry(root.Combine("registry")).Champion());
        var update = server.Requests.Last();
        Assert.Equal($"POST {Api}runs/update", update.Line);
        Assert.Equal("FAILED", update.Body!["status"]!.GetValue<string>());
    }

    [Fact]
    public void The_local_registry_records_the_mlflow_version_and_mlflow_holds_the_same_files()
    {
        Assert.True(fixture.Run.ExitCode == 0, fixture.Run.Output);
        var local = new LocalModelRegistry(fixture.RegistryDirectory).Find(1)!;
        var mlflowRunId = MlflowExperimentTracker.MlflowRunIdOf(new WorkDirectory(fixture.WorkDirectory).RunDirectory(fixture.RunId))!;
        var stored = $"1/{mlflowRunId}/artifacts/";

        Assert.Equal("1", local.Card.Parameters[MlflowParameterNames.Version]);
        Assert.Equal(File.ReadAllBytes(local.ModelPath), fixture.Server.Artifacts[stored + "model/model.onnx"]);
        Assert.Equal(File.ReadAllBytes(Path.Combine(local.Directory, "model.json")), fixture.Server.Artifacts[stored + "model/model.json"]);
        Assert.Equal(File.ReadAllBytes(local.ConfusionMatrixPath), fixture.Server.Artifacts[stored + "confusion_matrix.png"]);
        // Signed by the trainer's key, here and in MLflow: the API verifies either copy with the public key alone.
        Assert.Equal(File.ReadAllBytes(Path.Combine(local.Directory, ModelSignature.FileName)), fixture.Server.Artifacts[stored + "model/signature.json"]);
        using var publicKey = ModelSigningKeys.PublicKey(TestSigningKey.PublicKey);
        var verified = ModelSignature.Verify(local.Directory, [publicKey]);
        Assert.Equal(
            ["confusion_matrix.png", "head.json", "metrics.json", "model.json", "model.onnx", "training_history.json"],
            verified.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Tasks_in_separate_processes_share_one_mlflow_run_and_a_challenger_gets_no_alias()
    {
        Assert.True(fixture.Run.ExitCode == 0, fixture.Run.Output);
        var before = fixture.Server.Requests.Count;

        // One epoch at a negligible learning rate: a deliberately worse model.
        var train = await fixture.RunAsync(["task", "train_classifier", .. fixture.Common, "--augment-views", "0", "--epochs", "1", "--learning-rate", "0.0000001"]);
        var test = await fixture.RunAsync(["task", "test_classifier", .. fixture.Common]);
        var register = await fixture.RunAsync(["task", "register_model", .. fixture.Common]);

        Assert.True(train.ExitCode == 0, train.Output);
        Assert.True(test.ExitCode == 0, test.Output);
        Assert.True(register.ExitCode == 0, register.Output);
        Assert.Contains("as challenger", register.Output);
        var requests = fixture.Server.Requests.Skip(before).ToList();
        var created = Assert.Single(requests, r => r.Path == Api + "runs/create");
        var runId = new WorkDirectory(fixture.WorkDirectory).ResolveRunId(null);
        var mlflowRunId = MlflowExperimentTracker.MlflowRunIdOf(new WorkDirectory(fixture.WorkDirectory).RunDirectory(runId))!;
        Assert.Equal(runId, created.Body!["run_name"]!.GetValue<string>());
        Assert.All(
            requests.Where(r => r.Path == Api + "runs/log-batch" || r.Path == Api + "runs/update"),
            r => Assert.Equal(mlflowRunId, r.Body!["run_id"]!.GetValue<string>()));
        Assert.DoesNotContain(requests, r => r.Line == $"POST {Api}registered-models/alias");
        Assert.Single(requests, r => r.Path == Api + "model-versions/create");
        var registrationTags = Pairs(requests.Last(r => r.Path == Api + "runs/log-batch").Body!["tags"]);
        Assert.Equal("2", registrationTags["allclassifier.mlflow_version"]);
        Assert.Equal("false", registrationTags["allclassifier.champion"]);
        Assert.Equal("1", fixture.Server.Aliases("all-classifier")["champion"]);
        Assert.Equal("FINISHED", fixture.Server.Run(mlflowRunId).Status);
        var challenger = new LocalModelRegistry(fixture.RegistryDirectory).List().Last();
        Assert.Equal("2", challenger.Card.Parameters[MlflowParameterNames.Version]);
        Assert.Equal(1, new LocalModelRegistry(fixture.RegistryDirectory).ResolveAlias());
    }

    [Fact]
    public async Task A_failing_task_marks_the_mlflow_run_failed()
    {
        Assert.True(fixture.Run.ExitCode == 0, fixture.Run.Output);
        var train = await fixture.RunAsync(["task", "train_classifier", .. fixture.Common, "--augment-views", "0", "--epochs", "2"]);
        Assert.True(train.ExitCode == 0, train.Output);
        var work = new WorkDirectory(fixture.WorkDirectory);
        var runId = work.ResolveRunId(null);
        var files = new RunFiles(work.RunDirectory(runId));
        File.Delete(files.Head);
        File.Delete(files.Int8Head);
        var before = fixture.Server.Requests.Count;

        var test = await fixture.RunAsync(["task", "test_classifier", .. fixture.Common]);

        Assert.NotEqual(0, test.ExitCode);
        var mlflowRunId = MlflowExperimentTracker.MlflowRunIdOf(work.RunDirectory(runId))!;
        var update = Assert.Single(fixture.Server.Requests.Skip(before));
        Assert.Equal($"POST {Api}runs/update", update.Line);
        Assert.Equal(mlflowRunId, update.Body!["run_id"]!.GetValue<string>());
        Assert.Equal("FAILED", update.Body!["status"]!.GetValue<string>());
        Assert.Equal("FAILED", fixture.Server.Run(mlflowRunId).Status);
    }

    private static Dictionary<string, string> Pairs(JsonNode? array) =>
        array!.AsArray().ToDictionary(p => p!["key"]!.GetValue<string>(), p => p!["value"]!.GetValue<string>());
}
