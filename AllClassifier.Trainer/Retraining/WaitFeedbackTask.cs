using System.Globalization;
using AllClassifier.Feedback;
using AllClassifier.Model.Registry;
using AllClassifier.Trainer.Pipeline;

namespace AllClassifier.Trainer.Retraining;

/// <summary>wait_feedback as a task: succeeds when enough new feedback arrived, fails when the sensor times out.</summary>
public sealed class WaitFeedbackTask(FeedbackSensor sensor) : IPipelineTask
{
    public string Id => PipelineTaskIds.WaitFeedback;

    public async Task<string> ExecuteAsync(PipelineOptions options, IPipelineReporter reporter, CancellationToken cancellationToken)
    {
        var sensorOptions = options.Sensor ?? throw new InvalidOperationException("wait_feedback needs the feedback database (--feedback-db).");
        var afterId = PendingFeedback.TrainedUpTo(new LocalModelRegistry(options.RegistryDirectory));
        var result = await sensor.WaitAsync(
            sensorOptions,
            afterId,
            poke => reporter.Info(string.Create(CultureInfo.InvariantCulture, $"poke {poke.Number}: {poke.NewRows} of {poke.Threshold} new feedback rows (ids after {poke.AfterId})")),
            cancellationToken);
        return result.Reached
            ? string.Create(CultureInfo.InvariantCulture, $"{result.NewRows} new feedback rows reached the threshold of {sensorOptions.Threshold}")
            : throw new FeedbackThresholdNotReachedException(string.Create(
                CultureInfo.InvariantCulture,
                $"Only {result.NewRows} of {sensorOptions.Threshold} new feedback rows after {sensorOptions.Timeout.TotalSeconds:F0} s; not retraining."));
    }
}
