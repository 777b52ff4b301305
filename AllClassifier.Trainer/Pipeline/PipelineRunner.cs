using System.Diagnostics;
using AllClassifier.Trainer.Tracking;

namespace AllClassifier.Trainer.Pipeline;

public sealed record TaskTiming(string TaskId, TimeSpan Duration, string Summary);

/// <summary>The outcome of a whole run: per-task timings and the run id that was trained, tested and registered.</summary>
public sealed record PipelineRunResult(IReadOnlyList<TaskTiming> Tasks, string RunId, TestReport Test, RegistrationReport Registration)
{
    public TimeSpan Total => Tasks.Aggregate(TimeSpan.Zero, (sum, task) => sum + task.Duration);
}

/// <summary>The whole training chain, as the retraining worker sees it.</summary>
public interface ITrainingPipeline
{
    Task<PipelineRunResult> RunAsync(PipelineOptions options, IPipelineReporter reporter, CancellationToken cancellationToken);
}

/// <summary>
/// Runs pipeline tasks by id, one at a time or the training chain in order, timing each and closing the tracked
/// run as failed when a task that belongs to a run fails.
/// </summary>
public sealed class PipelineRunner(IEnumerable<IPipelineTask> tasks, IExperimentTracker tracker) : ITrainingPipeline
{
    private readonly Dictionary<string, IPipelineTask> _tasks = tasks.ToDictionary(task => task.Id);

    public async Task<TaskTiming> RunTaskAsync(string taskId, PipelineOptions options, IPipelineReporter reporter, CancellationToken cancellationToken)
    {
        if (!_tasks.TryGetValue(taskId, out var task))
        {
            throw new ArgumentException($"Unknown task '{taskId}'; the tasks are {string.Join(", ", PipelineTaskIds.All)}.", nameof(taskId));
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var summary = await task.ExecuteAsync(options, reporter, cancellationToken);
            return new TaskTiming(taskId, Stopwatch.GetElapsedTime(started), summary);
        }
        catch when (taskId is PipelineTaskIds.TestClassifier or PipelineTaskIds.RegisterModel)
        {
            // train_classifier closes its own run on failure: only it knows whether it got as far as opening one.
            await EndFailedRunAsync(options);
            throw;
        }
    }

    /// <summary>preprocess_images → prepare_data → train_classifier → test_classifier → register_model.</summary>
    public async Task<PipelineRunResult> RunAsync(PipelineOptions options, IPipelineReporter reporter, CancellationToken cancellationToken)
    {
        var timings = new List<TaskTiming>();
        string? runId = null;
        foreach (var taskId in PipelineTaskIds.Training)
        {
            reporter.Info($"[{taskId}]");

            // Later tasks work on the run this chain trained, never on one another process trained meanwhile.
            var timing = await RunTaskAsync(taskId, options with { RunId = runId }, reporter, cancellationToken);
            if (taskId == PipelineTaskIds.TrainClassifier)
            {
                runId = new WorkDirectory(options.WorkDirectory).ResolveRunId(null);
            }

            reporter.Info($"{taskId}: {timing.Summary} ({timing.Duration.TotalSeconds:F1} s)");
            timings.Add(timing);
        }

        var work = new WorkDirectory(options.WorkDirectory);
        var files = work.RunFiles(runId!);
        return new PipelineRunResult(
            timings,
            runId!,
            WorkDirectory.ReadJson<TestReport>(files.Metrics),
            WorkDirectory.ReadJson<RegistrationReport>(files.Registration));
    }

    private async Task EndFailedRunAsync(PipelineOptions options)
    {
        var work = new WorkDirectory(options.WorkDirectory);
        string runId;
        try
        {
            runId = work.ResolveRunId(options.RunId);
        }
        catch (IOException)
        {
            return;
        }

        await tracker.EndRunAsync(runId, work.RunDirectory(runId), succeeded: false, CancellationToken.None);
    }
}
