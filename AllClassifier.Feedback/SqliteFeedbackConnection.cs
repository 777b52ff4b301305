using Microsoft.Data.Sqlite;

namespace AllClassifier.Feedback;

/// <summary>
/// How every writer opens the feedback SQLite file (the <see cref="SqliteFeedbackStore"/> and the audit tables beside
/// it), and how deleted rows are erased from the file's bytes.
/// <para>
/// Deleting a row only unlinks it: without more, a deleted patient image stays readable in freed pages of
/// <c>feedback.db</c> and in older frames of <c>feedback.db-wal</c>. So each connection runs
/// <c>secure_delete=ON</c> (SQLite zeroes the content it frees, cells and whole pages put on the free list alike), and
/// after a delete <see cref="EraseDeletedAsync"/> runs a <c>wal_checkpoint(TRUNCATE)</c>: the zeroed pages replace the
/// old ones in the main file and the WAL, which still holds the image as it was inserted, is cut to zero bytes.
/// </para>
/// <para>
/// A reader on an older snapshot (the trainer reading rows) keeps the checkpoint from finishing; it is retried until
/// <see cref="FeedbackOptions.BusyTimeout"/> has passed and the caller is told when it did not finish. The bytes then
/// go at the next checkpoint that does: the pages are already zeroed, and <c>journal_size_limit=0</c> cuts the WAL's
/// stale tail at the first commit after any full checkpoint, including SQLite's automatic one.
/// </para>
/// </summary>
public static class SqliteFeedbackConnection
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(50);

    /// <summary>A pooled connection to the feedback file with the durability and erasure settings every writer uses.</summary>
    public static async Task<SqliteConnection> OpenAsync(FeedbackOptions options, SqliteOpenMode mode, CancellationToken cancellationToken)
    {
        var connection = Create(options, mode);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = PragmaSql(options);
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc cref="OpenAsync"/>
    public static SqliteConnection Open(FeedbackOptions options, SqliteOpenMode mode)
    {
        var connection = Create(options, mode);
        try
        {
            connection.Open();
            using var pragma = connection.CreateCommand();
            pragma.CommandText = PragmaSql(options);
            pragma.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static SqliteConnection Create(FeedbackOptions options, SqliteOpenMode mode) => new(new SqliteConnectionStringBuilder
    {
        DataSource = options.DatabasePath,
        Mode = mode,
        Pooling = true,
        DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
    }.ToString());

    // synchronous=FULL: an acknowledged row survives a power cut, not only a process kill (WAL's default NORMAL may
    // lose the last commits).
    private static string PragmaSql(FeedbackOptions options) => $"""
        PRAGMA busy_timeout = {(int)options.BusyTimeout.TotalMilliseconds};
        PRAGMA synchronous = FULL;
        PRAGMA secure_delete = ON;
        PRAGMA journal_size_limit = 0;
        """;

    /// <summary>
    /// Checkpoints the WAL into the main file and truncates it, retrying while readers hold older snapshots; true when
    /// the file no longer holds what was deleted before this call, false when readers kept it from finishing in time.
    /// </summary>
    public static async Task<bool> EraseDeletedAsync(
        SqliteConnection connection, FeedbackOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + options.BusyTimeout;
        while (true)
        {
            if (await TryCheckpointAsync(connection, cancellationToken))
            {
                return true;
            }

            if (time.GetUtcNow() >= deadline)
            {
                return false;
            }

            await Task.Delay(RetryDelay, time, cancellationToken);
        }
    }

    private static async Task<bool> TryCheckpointAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        try
        {
            // One row: (busy, frames in the WAL, frames checkpointed); busy = 1 when a reader or writer kept it from
            // completing.
            await using var reader = await checkpoint.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken) && reader.GetInt64(0) == 0;
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6)
        {
            // SQLITE_BUSY / SQLITE_LOCKED once the busy handler gave up: another writer, retried like a reader.
            return false;
        }
    }
}
