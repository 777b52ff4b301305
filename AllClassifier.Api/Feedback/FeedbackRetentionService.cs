using AllClassifier.Feedback;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Feedback;

/// <summary>
/// Deletes feedback rows, patient images included, once they are older than <see cref="FeedbackOptions.RetentionDays"/>:
/// at start and then every <see cref="FeedbackOptions.RetentionSweepInterval"/>. Does nothing when no retention is set.
/// </summary>
public sealed partial class FeedbackRetentionService(
    IFeedbackStore store, IOptions<FeedbackOptions> options, TimeProvider time, ILogger<FeedbackRetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.RetentionDays is not { } days)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.RetentionSweepInterval, time);
        do
        {
            try
            {
                var cutoff = time.GetUtcNow().AddDays(-days);
                var deleted = await store.DeleteOlderThanAsync(cutoff, stoppingToken);
                if (deleted > 0)
                {
                    LogDeleted(logger, deleted, days);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A locked or missing database is retried at the next sweep; serving goes on meanwhile.
                LogSweepFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "deleted {Count} feedback rows older than {Days} days")]
    private static partial void LogDeleted(ILogger logger, int count, int days);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the feedback retention sweep failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
