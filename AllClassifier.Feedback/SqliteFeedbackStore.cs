using System.Globalization;
using AllClassifier.Model;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AllClassifier.Feedback;

/// <summary>
/// The SQLite <see cref="IFeedbackStore"/>: the <see cref="FeedbackTable"/> in <c>${FEEDBACK_DIR}/feedback.db</c>, which the trainer reads.
/// WAL lets the trainer read while the API writes; each insert and its count share one immediate transaction,
/// so the count returned includes the row and is never stale, however many posts arrive at once.
/// A row is acknowledged only after its commit is on disk: with WAL, SQLite's default <c>synchronous=NORMAL</c>
/// survives a process kill but may lose the last commits on a power cut, so every connection runs
/// <c>synchronous=FULL</c>, which fsyncs the WAL at each commit (one fsync per correction is cheap next to the
/// image decode that precedes it). Deletes erase the rows' bytes from the file too (<see cref="SqliteFeedbackConnection"/>).
/// </summary>
public sealed class SqliteFeedbackStore(IOptions<FeedbackOptions> options, TimeProvider timeProvider) : IFeedbackStore
{
    private readonly Lock _schemaLock = new();
    private volatile bool _schemaReady;
    private volatile bool _erasurePending;

    public string DatabasePath => options.Value.DatabasePath;

    public async Task<StoredFeedback> AddAsync(FeedbackEntry entry, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        long id;

        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = $"""
                INSERT INTO {FeedbackTable.Name}({FeedbackTable.Timestamp}, {FeedbackTable.Correct}, {FeedbackTable.Predicted}, {FeedbackTable.Image}, {FeedbackTable.Sha256}, {FeedbackTable.ModelVersion}, {FeedbackTable.SentBy})
                VALUES ($ts, $correct, $predicted, $img, $sha256, $model_version, $sent_by)
                RETURNING {FeedbackTable.Id}
                """;
            insert.Parameters.AddWithValue("$ts", timeProvider.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
            insert.Parameters.AddWithValue("$correct", entry.CorrectName);
            insert.Parameters.AddWithValue("$predicted", entry.Predicted.Name());
            insert.Parameters.Add("$img", SqliteType.Blob).Value = entry.Image;
            insert.Parameters.AddWithValue("$sha256", entry.Sha256);
            insert.Parameters.AddWithValue("$model_version", (object?)entry.ModelVersion ?? DBNull.Value);
            insert.Parameters.AddWithValue("$sent_by", (object?)entry.SentBy ?? DBNull.Value);
            id = Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }

        var count = await CountAsync(connection, transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new StoredFeedback(id, count);
    }

    public async Task<IReadOnlyList<FeedbackRowSummary>> ListNewestAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var select = connection.CreateCommand();
        select.CommandText = $"SELECT {FeedbackTable.Id}, {FeedbackTable.Timestamp}, {FeedbackTable.Correct}, {FeedbackTable.Predicted}, {FeedbackTable.ModelVersion}, {FeedbackTable.SentBy} FROM {FeedbackTable.Name} ORDER BY {FeedbackTable.Id} DESC LIMIT $limit";
        select.Parameters.AddWithValue("$limit", limit);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await FeedbackRowSummary.ReadAllAsync(reader, cancellationToken);
    }

    public Task<FeedbackDeletion> DeleteAsync(long id, CancellationToken cancellationToken) =>
        DeleteAndEraseAsync($"DELETE FROM {FeedbackTable.Name} WHERE {FeedbackTable.Id} = $p", id, cancellationToken);

    public Task<FeedbackDeletion> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        DeleteAndEraseAsync(
            $"DELETE FROM {FeedbackTable.Name} WHERE {FeedbackTable.Timestamp} < $p", cutoff.ToUnixTimeMilliseconds() / 1000.0, cancellationToken);

    private async Task<FeedbackDeletion> DeleteAndEraseAsync(string sql, object parameter, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        int rows;
        await using (var delete = connection.CreateCommand())
        {
            delete.CommandText = sql;
            delete.Parameters.AddWithValue("$p", parameter);
            rows = await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        // The row is gone once committed; the erasure must not be abandoned with the request. One that did not finish
        // (a reader in the way) is retried by the next delete, which the hourly retention sweep also is.
        if (rows == 0 && !_erasurePending)
        {
            return new FeedbackDeletion(0, Erased: true);
        }

        var erased = await SqliteFeedbackConnection.EraseDeletedAsync(connection, options.Value, timeProvider, CancellationToken.None);
        _erasurePending = !erased;
        return new FeedbackDeletion(rows, erased);
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await CountAsync(connection, null, cancellationToken);
    }

    private static async Task<long> CountAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var count = connection.CreateCommand();
        count.Transaction = transaction;
        count.CommandText = $"SELECT count(*) FROM {FeedbackTable.Name}";
        return Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        EnsureSchema();
        return await SqliteFeedbackConnection.OpenAsync(options.Value, SqliteOpenMode.ReadWrite, cancellationToken);
    }

    private void EnsureSchema()
    {
        if (_schemaReady)
        {
            return;
        }

        lock (_schemaLock)
        {
            if (_schemaReady)
            {
                return;
            }

            Directory.CreateDirectory(options.Value.Directory);
            using var connection = SqliteFeedbackConnection.Open(options.Value, SqliteOpenMode.ReadWriteCreate);
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA journal_mode = WAL; {FeedbackTable.CreateSql}";
            command.ExecuteNonQuery();
            AddMissingColumns(connection);
            _schemaReady = true;
        }
    }

    private static void AddMissingColumns(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        var existing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using (var columns = connection.CreateCommand())
        {
            columns.Transaction = transaction;
            columns.CommandText = $"SELECT name FROM pragma_table_info('{FeedbackTable.Name}')";
            using var reader = columns.ExecuteReader();
            while (reader.Read())
            {
                existing.Add(reader.GetString(0));
            }
        }

        foreach (var (name, type) in FeedbackTable.ExtraColumns.Where(column => !existing.Contains(column.Name)))
        {
            using var alter = connection.CreateCommand();
            alter.Transaction = transaction;
            alter.CommandText = $"ALTER TABLE {FeedbackTable.Name} ADD COLUMN {name} {type}";
            alter.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}
