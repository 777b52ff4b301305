using System.Collections.Concurrent;
using System.Diagnostics;
using AllClassifier.Model.Registry;
using AllClassifier.Tests.Mlflow;
using AllClassifier.Trainer.Tests.Airflow;

namespace AllClassifier.Trainer.Tests.Worker;

/// <summary>
/// <c>worker</c> as the app host and the compose file start it: the trainer's own process, configured by environment
/// variables only, against the in-repo fake MLflow server with an empty registry. Its bootstrap run must reach MLflow
/// as a <c>run</c> does: one finished run with metrics, a registered version and the <c>champion</c> alias.
/// </summary>
public sealed class DeployedWorkerTests : IAsyncLifetime, IDisposable
{
    private const string Api = "/api/2.0/mlflow/";
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(10);

    private readonly TempDirectory _root = new();
    private readonly ConcurrentQueue<string> _output = new();
    private FakeMlflowServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeMlflowServer.StartAsync();

    [Fact]
    public async Task The_worker_logs_its_bootstrap_run_to_MLflow_registers_the_version_and_sets_champion()
    {
        var registry = new LocalModelRegistry(_root.Combine("registry"));
        using var worker = StartWorker(new Dictionary<string, string>
        {
            ["MLFLOW_TRACKING_URI"] = _server.BaseAddress.ToString(),
            ["MODEL_REGISTRY_DIR"] = registry.Root,
            ["FEEDBACK_DIR"] = _root.Combine("feedback"),
            ["WORK_DIR"] = _root.Combine("work"),
            ["SYNTHETIC_PER_CLASS"] = "12",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
        });
        try
        {
            // The worker logs the end of a run (tracking included) with the version's role; MLflow must know it all then.
            var started = Stopwatch.StartNew();
            while (!_output.Any(line => line.Contains("is champion", StringComparison.Ordinal)))
            {
                Assert.False(worker.HasExited, $"the worker exited with {(worker.HasExited ? worker.ExitCode : 0)}:\n{Output()}");
                Assert.True(started.Elapsed < Deadline, $"no bootstrap run finished in {Deadline}:\n{Output()}");
                await Task.Delay(TimeSpan.FromMilliseconds(250));
            }
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync();
        }

        Assert.NotNull(registry.Champion());
        var run = Assert.Single(_server.Runs);
        Assert.Equal("FINISHED", run.Status);
        Assert.Equal("all_classification_pipeline", run.Tags["pipeline"]);
        var metrics = run.Metrics.Select(metric => metric.Key).ToHashSet();
        Assert.Superset(new HashSet<string> { "train_loss", "val_accuracy", "test_accuracy", "test_macro_f1" }, metrics);
        var version = Assert.Single(_server.Requests, r => r.Line == $"POST {Api}model-versions/create").Body!;
        Assert.Equal("all-classifier", version["name"]!.GetValue<string>());
        Assert.Equal(run.RunId, version["run_id"]!.GetValue<string>());
        Assert.Equal("1", _server.Aliases("all-classifier")["champion"]);
        var champion = registry.Champion()!;
        Assert.Equal("1", champion.Card.Parameters[MlflowParameterNames.Version]);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _root.Dispose();

    private string Output() => string.Join('\n', _output.TakeLast(60));

    private Process StartWorker(IReadOnlyDictionary<string, string> environment)
    {
        var command = DagInspector.TrainerCommand.Split(' ', 2);
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(command[1]);
        start.ArgumentList.Add("worker");
        // Only what a deployment sets counts, not what the test host's environment happens to hold.
        foreach (var inherited in new[] { "MLFLOW_TRACKING_URI", "DATA_DIR", "ConnectionStrings__feedback", "FB_THRESH" })
        {
            start.Environment.Remove(inherited);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, line) => _output.Enqueue(line.Data ?? "");
        process.ErrorDataReceived += (_, line) => _output.Enqueue(line.Data ?? "");
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
