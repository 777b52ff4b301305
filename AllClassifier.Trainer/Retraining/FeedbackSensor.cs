using AllClassifier.Feedback;
using AllClassifier.Model.Settings;

namespace AllClassifier.Trainer.Retraining;

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
/// wait_feedback: waits until the rows pending since the newest training data (<see cref="PendingFeedback"/>: usable
/// rows above <c>afterId</c>, the highest high-water mark of any registered version) reach the threshold.
/// </summary>
public sealed class FeedbackSensor(TimeProvider timeProvider)
{
    public async Task<SensorResult> WaitAsync(SensorOptions options, long afterId, Action<SensorPoke>? onPoke, CancellationToken cancellationToken)
    {
        var started = timeProvider.GetTimestamp();
        var source = FeedbackSources.Open(options.FeedbackConnectionString, options.FeedbackDatabase);
        for (var poke = 1; ; poke++)
        {
            var rows = await PendingFeedback.CountAsync(source, afterId, cancellationToken);
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
