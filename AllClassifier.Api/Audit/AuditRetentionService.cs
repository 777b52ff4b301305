using AllClassifier.Feedback.Audit;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Audit;

/// <summary>The data of a retention record: where the chain was cut and what went.</summary>
public sealed record RetentionRecordData(string Cutoff, long DeletedThroughSeq, string DeletedThroughHash, long DeletedRecords, long DeletedCases);

/// <summary>
/// Every <see cref="AuditOptions.SweepInterval"/>: deletes the kept images of predictions made outside a case once
/// <see cref="AuditOptions.PendingImageMinutes"/> have passed, and everything older than
/// <see cref="AuditOptions.RetentionDays"/> (records, cases, their images). Cutting the chain's oldest records keeps it
/// verifiable: the sweep first appends a retention record naming the last deleted record's hash and stores the same
/// pair as the checkpoint the remaining chain must start from.
/// </summary>
public sealed partial class AuditRetentionService(
    AuditLedger ledger, IOptions<AuditOptions> options, TimeProvider time, ILogger<AuditRetentionService> logger) : BackgroundService
{
    private volatile bool _erasurePending;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A locked or unreachable database is retried at the next sweep; serving goes on meanwhile.
                LogSweepFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One sweep; returns how many chain records went.</summary>
    public async Task<long> SweepAsync(CancellationToken cancellationToken)
    {
        var (deleted, images) = await ledger.WriteAsync(
            async writer =>
            {
                var expired = await writer.ExecuteAsync(
                    $"DELETE FROM {AuditTables.Images} WHERE expires_ts IS NOT NULL AND expires_ts < @now",
                    cancellationToken,
                    ("now", AuditChain.Seconds(writer.Now)));
                var (records, caseImages) = await CutAsync(writer, writer.Now.AddDays(-options.Value.RetentionDays), cancellationToken);
                return (records, expired + caseImages);
            },
            cancellationToken);
        if (deleted > 0)
        {
            LogDeleted(logger, deleted, options.Value.RetentionDays);
        }

        // Deleted images must leave the database's files too, not only the table; an erasure that readers kept from
        // finishing is retried by the next sweep.
        if (images > 0 || _erasurePending)
        {
            _erasurePending = !await ledger.Database.EraseDeletedAsync(time, cancellationToken);
            if (_erasurePending)
            {
                LogNotErased(logger, images);
            }
        }

        return deleted;
    }

    /// <summary>Cuts the chain and the cases before <paramref name="cutoff"/>; returns the records and the images that went.</summary>
    private static async Task<(long Records, int Images)> CutAsync(AuditWriter writer, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var cutoffSeconds = AuditChain.Seconds(cutoff);
        long throughSeq = 0, records = 0;
        string? throughHash = null;
        await using (var last = writer.Command(
            $"SELECT seq, hash, (SELECT count(*) FROM {AuditTables.Records} WHERE ts < @cutoff) FROM {AuditTables.Records} WHERE ts < @cutoff ORDER BY seq DESC LIMIT 1",
            ("cutoff", cutoffSeconds)))
        await using (var reader = await last.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                throughSeq = Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture);
                throughHash = reader.GetString(1);
                records = Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture);
            }
        }

        await using var oldCases = writer.Command($"SELECT count(*) FROM {AuditTables.Cases} WHERE created_ts < @cutoff", ("cutoff", cutoffSeconds));
        var cases = Convert.ToInt64(await oldCases.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        if (throughHash is null && cases == 0)
        {
            return (0, 0);
        }

        if (throughHash is not null)
        {
            await writer.AppendAsync(
                AuditKinds.Retention,
                caller: null,
                subject: null,
                caseId: null,
                new RetentionRecordData(AuditChain.Iso(cutoff), throughSeq, throughHash, records, cases),
                cancellationToken);
            await writer.ExecuteAsync($"DELETE FROM {AuditTables.Checkpoint}", cancellationToken);
            await writer.ExecuteAsync(
                $"INSERT INTO {AuditTables.Checkpoint}(id, through_seq, hash) VALUES (1, @seq, @hash)",
                cancellationToken,
                ("seq", throughSeq),
                ("hash", throughHash));
            await writer.ExecuteAsync($"DELETE FROM {AuditTables.Records} WHERE seq <= @seq", cancellationToken, ("seq", throughSeq));
        }

        const string OldCases = $"SELECT case_id FROM {AuditTables.Cases} WHERE created_ts < @cutoff";
        var images = await writer.ExecuteAsync($"DELETE FROM {AuditTables.Images} WHERE case_id IN ({OldCases})", cancellationToken, ("cutoff", cutoffSeconds));
        await writer.ExecuteAsync($"DELETE FROM {AuditTables.CaseImages} WHERE case_id IN ({OldCases})", cancellationToken, ("cutoff", cutoffSeconds));
        await writer.ExecuteAsync($"DELETE FROM {AuditTables.Cases} WHERE created_ts < @cutoff", cancellationToken, ("cutoff", cutoffSeconds));
        return (records, images);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "deleted {Count} audit records older than {Days} days; the chain keeps a checkpoint")]
    private static partial void LogDeleted(ILogger logger, long count, int days);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} expired prediction images are deleted but still in the database's files: a reader held an old snapshot; the next sweep erases them")]
    private static partial void LogNotErased(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the audit retention sweep failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
