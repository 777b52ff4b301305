using AllClassifier.Model.Registry;
using AllClassifier.Trainer.Pipeline;

namespace AllClassifier.Trainer.Tests.Worker;

/// <summary>
/// Stands in for the training chain: each run registers a small version whose card carries the feedback
/// high-water mark the test chose, promoted or not as the test says, optionally held at a gate first.
/// </summary>
public sealed class FakeTrainingPipeline(string registryDirectory, TimeProvider clock) : ITrainingPipeline
{
    private readonly Lock _lock = new();
    private readonly List<DateTimeOffset> _runStarts = [];

    public long HighWaterMark { get; set; }

    public bool Promote { get; set; }

    /// <summary>When set, a run waits for it before registering anything.</summary>
    public TaskCompletionSource? Gate { get; set; }

    public IReadOnlyList<DateTimeOffset> RunStarts
    {
        get
        {
            lock (_lock)
            {
                return [.. _runStarts];
            }
        }
    }

    public int Started => RunStarts.Count;

    public int Finished { get; private set; }

    public async Task<PipelineRunResult> RunAsync(PipelineOptions options, IPipelineReporter reporter, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _runStarts.Add(clock.GetUtcNow());
        }

        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        var registry = new LocalModelRegistry(registryDirectory);
        var runId = $"run-{Started}";
        var metrics = new EvaluationMetrics { MacroF1 = 0.5 };
        var registered = registry.Register([1, 2, 3], _ => Card(runId, HighWaterMark));
        if (Promote)
        {
            registry.SetAlias(registered.Version);
        }

        Finished++;
        return new PipelineRunResult(
            [],
            runId,
            new TestReport { RunId = runId, TestSplitHash = "test-split", Metrics = metrics },
            new RegistrationReport(runId, registered.Version, Promote, Promote ? "test promotes" : "test rejects", null, null));
    }

    public static ModelCard Card(string runId, long highWaterMark) => new()
    {
        RunId = runId,
        Metrics = new EvaluationMetrics { MacroF1 = 0.5 },
        TrainingDataHash = "data",
        FeedbackHighWaterMark = highWaterMark,
    };
}
