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
        if (options.Value.RetentionDays is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.RetentionSweepInterval, time);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A locked or missing database is retried at the next sweep; serving goes on meanwhile.
                LogSweepFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One sweep: deletes and erases the rows past the retention (none when no retention is set).</summary>
    public async Task<FeedbackDeletion> SweepAsync(CancellationToken cancellationToken)
    {
        if (options.Value.RetentionDays is not { } days)
        {
            return new FeedbackDeletion(0, Erased: true);
        }

        var deleted = await store.DeleteOlderThanAsync(time.GetUtcNow().AddDays(-days), cancellationToken);
        if (deleted.Deleted)
        {
            LogDeleted(logger, deleted.Rows, days);
        }

        if (!deleted.Erased)
        {
            LogNotErased(logger, deleted.Rows);
        }

        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "deleted {Count} feedback rows older than {Days} days")]
    private static partial void LogDeleted(ILogger logger, int count, int days);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} expired feedback rows are deleted but their bytes are still in the database's files: a reader held an old snapshot; the next sweep erases them")]
    private static partial void LogNotErased(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the feedback retention sweep failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
