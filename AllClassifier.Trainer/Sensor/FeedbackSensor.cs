using AllClassifier.Model.Registry;
using AllClassifier.Model.Settings;
using AllClassifier.Trainer.Dataset;

namespace AllClassifier.Trainer.Sensor;

public sealed record SensorOptions
{
    public required string FeedbackDatabase { get; init; }

    /// <summary>The PostgreSQL feedback table; when set it is counted instead of <see cref="FeedbackDatabase"/>.</summary>
    public string? FeedbackConnectionString { get; init; }

    /// <summary>New feedback rows needed to retrain (FB_THRESH).</summary>
    public int Threshold { get; init; } = SharedSettings.DefaultFeedbackThreshold;

    public TimeSpan PokeInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long to keep poking before giving up; zero checks once.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromDays(1);
}

/// <summary>One check of the feedback table.</summary>
public sealed record SensorPoke(int Number, long NewRows, int Threshold, long AfterId);

public sealed record SensorResult(bool Reached, long NewRows, int Pokes);

/// <summary>
/// wait_feedback: waits until the feedback rows added after the newest training data (ids above the highest
/// <see cref="ModelCard.FeedbackHighWaterMark"/> of any registered version) reach the threshold. Counting only new
/// rows keeps a large feedback table from triggering retraining forever.
/// </summary>
public sealed class FeedbackSensor(TimeProvider timeProvider)
{
    /// <summary>
    /// The highest feedback row id any registered version was trained up to (0 on an empty registry). Every
    /// version counts, not only the champion: rows a rejected challenger already trained on must not trigger the
    /// same retraining again.
    /// </summary>
    public static long HighWaterMark(LocalModelRegistry registry) =>
        registry.List().Select(version => version.Card.FeedbackHighWaterMark).DefaultIfEmpty(0).Max();

    public async Task<SensorResult> WaitAsync(SensorOptions options, long afterId, Action<SensorPoke>? onPoke, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var source = FeedbackSources.Open(options.FeedbackConnectionString, options.FeedbackDatabase);
        for (var poke = 1; ; poke++)
        {
            var rows = source.CountSince(afterId);
            onPoke?.Invoke(new SensorPoke(poke, rows, options.Threshold, afterId));
            if (rows >= options.Threshold)
            {
                return new SensorResult(true, rows, poke);
            }

            var remaining = options.Timeout - timeProvider.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                return new SensorResult(false, rows, poke);
            }

            await Task.Delay(remaining < options.PokeInterval ? remaining : options.PokeInterval, timeProvider, cancellationToken);
        }
    }
}
