using AllClassifier.Model.Feedback;
using AllClassifier.Model.Registry;
using AllClassifier.Training.Synthetic;
using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Sensor;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AllClassifier.Trainer.Worker;

/// <summary>
/// The long-running trainer: trains a first model at once when the registry has no champion, then repeats the
/// wait_feedback task → the training pipeline for as long as it runs. A failed run is logged and retried after the
/// next sensor period rather than stopping the service.
/// </summary>
public sealed class RetrainingWorker(
    IOptions<WorkerOptions> options,
    PipelineRunner runner,
    TimeProvider timeProvider,
    WorkerStatus status,
    ILogger<RetrainingWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var registry = new LocalModelRegistry(settings.RegistryDirectory);
        var reporter = new LoggingPipelineReporter(logger);
        // Without a champion the API has nothing to serve, so a failed first run is retried after the poke
        // interval instead of waiting for feedback that cannot arrive.
        while (!stoppingToken.IsCancellationRequested && registry.Champion() is null)
        {
            logger.LogInformation("No champion in {Registry}; training a first model", registry.Root);
            status.Enter(WorkerActivity.TrainingFirstModel);
            await TrainAsync(settings, reporter, stoppingToken);
        }

        var waitFeedback = new PipelineOptions
        {
            WorkDirectory = settings.WorkDirectory,
            RegistryDirectory = settings.RegistryDirectory,
            Sensor = new SensorOptions
            {
                FeedbackDatabase = FeedbackTable.DatabasePath(settings.FeedbackDirectory),
                Threshold = settings.FeedbackThreshold,
                PokeInterval = TimeSpan.FromSeconds(settings.PokeIntervalSeconds),
                Timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds),
            },
        };
        while (!stoppingToken.IsCancellationRequested)
        {
            status.Enter(WorkerActivity.WaitingForFeedback);
            try
            {
                await runner.RunTaskAsync(PipelineTaskIds.WaitFeedback, waitFeedback, reporter, stoppingToken);
            }
            catch (TimeoutException timeout)
            {
                logger.LogInformation("wait_feedback gave up ({Reason}); waiting again", timeout.Message);
                continue;
            }

            status.Enter(WorkerActivity.Retraining);
            await TrainAsync(settings, reporter, stoppingToken);
        }
    }

    private async Task TrainAsync(WorkerOptions settings, LoggingPipelineReporter reporter, CancellationToken stoppingToken)
    {
        try
        {
            var pipelineOptions = new PipelineOptions
            {
                DataDirectory = EnsureDataset(settings, stoppingToken),
                WorkDirectory = settings.WorkDirectory,
                RegistryDirectory = settings.RegistryDirectory,
                FeedbackDatabase = FeedbackTable.DatabasePath(settings.FeedbackDirectory),
            };
            var result = await runner.RunAsync(pipelineOptions, reporter, stoppingToken);
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
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "The training pipeline failed; retrying after {Seconds} s", settings.PokeIntervalSeconds);
            status.RunFailed(ex.Message);
            await Task.Delay(TimeSpan.FromSeconds(settings.PokeIntervalSeconds), timeProvider, stoppingToken);
        }
    }

    /// <summary>DATA_DIR when it holds files; otherwise a synthetic dataset generated once under the work directory.</summary>
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
                "No dataset in DATA_DIR; generating {PerClass} synthetic images per class into {Directory}",
                settings.SyntheticPerClass,
                synthetic);
            new SmearGenerator(settings.SyntheticSeed).WriteDataset(synthetic, settings.SyntheticPerClass, null, cancellationToken);
        }

        return synthetic;
    }
}
