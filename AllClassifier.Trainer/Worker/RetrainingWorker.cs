using AllClassifier.Model.Registry;
using AllClassifier.Training.Synthetic;
using AllClassifier.Feedback;
using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Retraining;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AllClassifier.Trainer.Worker;

/// <summary>
/// The long-running trainer: trains a first model at once when the registry has no usable champion, then repeats
/// wait_feedback → the training pipeline for as long as it runs. The sensor counts feedback rows after the newest
/// version's training data, so a rejected challenger does not trigger the same retraining again; a failed or
/// not-promoted run is followed by a pause that doubles with each such run in a row (<see cref="RetrainingBackoff"/>).
/// Nothing it reads — a broken registry file, a missing dataset — stops the service: it is logged, reported on
/// /health as Degraded, and retried.
/// </summary>
public sealed class RetrainingWorker(
    IOptions<WorkerOptions> options,
    IOptions<FeedbackOptions> feedback,
    ITrainingPipeline pipeline,
    WaitFeedbackTask waitFeedback,
    TimeProvider timeProvider,
    WorkerStatus status,
    RunRequests runRequests,
    ILogger<RetrainingWorker> logger) : BackgroundService
{
    private enum RunOutcome
    {
        Promoted,
        NotPromoted,
        Failed,
        NotStarted,
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var registry = new LocalModelRegistry(settings.RegistryDirectory);
        var reporter = new LoggingPipelineReporter(logger);
        var backoff = new RetrainingBackoff(TimeSpan.FromSeconds(settings.BackoffSeconds), TimeSpan.FromSeconds(settings.MaxBackoffSeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            RunOutcome outcome;
            try
            {
                outcome = HasUsableChampion(registry)
                    ? await WaitAndRetrainAsync(settings, reporter, stoppingToken)
                    : await TrainFirstModelAsync(settings, registry, reporter, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // E.g. an unreadable feedback database: the same pause as a failed run, then try again.
                logger.LogError(ex, "The retraining loop failed outside a pipeline run");
                status.RunFailed(ex.Message);
                outcome = RunOutcome.Failed;
            }

            if (outcome == RunOutcome.Promoted)
            {
                backoff.Reset();
            }
            else if (outcome is RunOutcome.NotPromoted or RunOutcome.Failed)
            {
                var pause = backoff.Next();
                logger.LogInformation("Pausing retraining for {Seconds} s after a {Outcome} run", pause.TotalSeconds, outcome);
                status.Enter(WorkerActivity.BackingOff);
                await runRequests.WaitUnlessRequestedAsync(cancellation => Task.Delay(pause, timeProvider, cancellation), stoppingToken);
            }
        }
    }

    /// <summary>Reports an unusable champion (Degraded) or clears the report; false when there is no usable champion.</summary>
    private bool HasUsableChampion(LocalModelRegistry registry)
    {
        var check = registry.CheckChampion();
        if (check.Problem is { } problem)
        {
            logger.LogError("The registry's champion is unusable ({Problem}); training a new one", problem);
        }

        status.ReportRegistryProblem(check.Problem);
        return check.Champion is not null;
    }

    private Task<RunOutcome> TrainFirstModelAsync(WorkerOptions settings, LocalModelRegistry registry, LoggingPipelineReporter reporter, CancellationToken stoppingToken)
    {
        // Without a champion the API has nothing to serve, so there is no feedback to wait for.
        logger.LogInformation("No usable champion in {Registry}; training a first model", registry.Root);
        status.Enter(WorkerActivity.TrainingFirstModel);
        return TrainAsync(settings, reporter, stoppingToken);
    }

    private async Task<RunOutcome> WaitAndRetrainAsync(WorkerOptions settings, LoggingPipelineReporter reporter, CancellationToken stoppingToken)
    {
        status.Enter(WorkerActivity.WaitingForFeedback);
        var waitOptions = new PipelineOptions
        {
            WorkDirectory = settings.WorkDirectory,
            RegistryDirectory = settings.RegistryDirectory,
            Sensor = new SensorOptions
            {
                FeedbackDatabase = feedback.Value.DatabasePath,
                FeedbackConnectionString = feedback.Value.PostgresConnectionString,
                Threshold = feedback.Value.Threshold,
                PokeInterval = TimeSpan.FromSeconds(settings.PokeIntervalSeconds),
                Timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds),
            },
        };
        try
        {
            await runRequests.WaitUnlessRequestedAsync(cancellation => waitFeedback.ExecuteAsync(waitOptions, reporter, cancellation), stoppingToken);
        }
        catch (TimeoutException timeout)
        {
            logger.LogInformation("wait_feedback gave up ({Reason}); waiting again", timeout.Message);
            return RunOutcome.NotStarted;
        }

        status.Enter(WorkerActivity.Retraining);
        return await TrainAsync(settings, reporter, stoppingToken);
    }

    private async Task<RunOutcome> TrainAsync(WorkerOptions settings, LoggingPipelineReporter reporter, CancellationToken stoppingToken)
    {
        // This run answers a request made while the worker was waiting; one made before it started is not repeated.
        if (runRequests.TryTake(out var requestedBy))
        {
            logger.LogInformation("Running the pipeline now, as {RequestedBy} asked", requestedBy);
        }

        try
        {
            var pipelineOptions = new PipelineOptions
            {
                DataDirectory = EnsureDataset(settings, stoppingToken),
                WorkDirectory = settings.WorkDirectory,
                RegistryDirectory = settings.RegistryDirectory,
                FeedbackDatabase = feedback.Value.DatabasePath,
                FeedbackConnectionString = feedback.Value.PostgresConnectionString,
                ChallengersToKeep = settings.ChallengersToKeep,
            };
            var result = await pipeline.RunAsync(pipelineOptions, reporter, stoppingToken);
            status.RunSucceeded(result.RunId);
            logger.LogInformation(
                "Run {RunId} finished in {Seconds:F1} s: accuracy {Accuracy:F4}, macro-F1 {MacroF1:F4}; version {Version} {Role}: {Reason}",
                result.RunId,
                result.Total.TotalSeconds,
                result.Test.Metrics.Accuracy,
                result.Test.Metrics.MacroF1,
                result.Registration.Version,
                result.Registration.Promoted ? "is champion" : "stays challenger",
                result.Registration.Reason);
            return result.Registration.Promoted ? RunOutcome.Promoted : RunOutcome.NotPromoted;
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogError(ex, "The training pipeline failed");
            status.RunFailed(ex.Message);
            return RunOutcome.Failed;
        }
    }

    /// <summary>The dataset root when it holds files; otherwise a synthetic dataset generated once under the work directory.</summary>
    private string EnsureDataset(WorkerOptions settings, CancellationToken cancellationToken)
    {
        if (settings.DataDirectory is { Length: > 0 } data
            && Directory.Exists(data)
            && Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories).Any())
        {
            return data;
        }

        var synthetic = Path.Combine(settings.WorkDirectory, "synthetic");
        if (!Directory.Exists(synthetic) || !Directory.EnumerateFiles(synthetic, "*", SearchOption.AllDirectories).Any())
        {
            logger.LogInformation(
                "No dataset in Trainer:DataDirectory (DATA_DIR); generating {PerClass} synthetic images per class into {Directory}",
                settings.SyntheticPerClass,
                synthetic);
            new SmearGenerator(settings.SyntheticSeed).WriteDataset(synthetic, settings.SyntheticPerClass, null, cancellationToken);
        }

        return synthetic;
    }
}
