using AllClassifier.Model;
using Npgsql;
using NpgsqlTypes;

namespace AllClassifier.Feedback;

/// <summary>
/// The PostgreSQL <see cref="IFeedbackStore"/>, for several API replicas sharing one table. The schema is created on
/// first use, under a transaction-scoped advisory lock so replicas starting together do not race on it.
/// <para>
/// Exact counts: each insert first takes <c>LOCK TABLE … IN SHARE ROW EXCLUSIVE MODE</c>, which conflicts with itself
/// and with every other writer's row lock but not with readers. Writers therefore commit one after another, and the
/// <c>count(*)</c> run inside the insert's transaction sees every row committed before it plus its own, so the counts
/// two replicas return are distinct and gap-free. Without the lock, two READ COMMITTED inserts would each miss the
/// other's uncommitted row and answer the same count. The lock is held for one insert and one count.
/// </para>
/// <para>
/// Durability: <c>synchronous_commit</c> is set to <c>on</c> for the insert's transaction, so a 200 answer means the
/// commit's WAL record is flushed, whatever the server's default.
/// </para>
/// <para>
/// Erasure: a delete is followed by <see cref="RewriteAsync"/>, which takes the deleted images out of the table's
/// files. What the server keeps beyond them (WAL segments, archives, replicas, backups) is the operator's to expire:
/// SECURITY.md says what and how.
/// </para>
/// </summary>
public sealed class PostgresFeedbackStore(NpgsqlDataSource dataSource, TimeProvider timeProvider) : IFeedbackStore
{
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private volatile bool _schemaReady;
    private volatile bool _erasurePending;

    public async Task<StoredFeedback> AddAsync(FeedbackEntry entry, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var serialise = new NpgsqlCommand($"SET LOCAL synchronous_commit = on; LOCK TABLE {FeedbackTable.Name} IN SHARE ROW EXCLUSIVE MODE", connection, transaction))
        {
            await serialise.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var insert = new NpgsqlCommand(
            $"""
            INSERT INTO {FeedbackTable.Name}({FeedbackTable.Timestamp}, {FeedbackTable.Correct}, {FeedbackTable.Predicted}, {FeedbackTable.Image}, {FeedbackTable.Sha256}, {FeedbackTable.ModelVersion}, {FeedbackTable.SentBy})
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            RETURNING {FeedbackTable.Id}, (SELECT count(*) FROM {FeedbackTable.Name}) + 1
            """,
            connection,
            transaction)
        {
            Parameters =
            {
                new() { Value = timeProvider.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0, NpgsqlDbType = NpgsqlDbType.Double },
                new() { Value = entry.CorrectName, NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = entry.Predicted.Name(), NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = entry.Image, NpgsqlDbType = NpgsqlDbType.Bytea },
                new() { Value = entry.Sha256, NpgsqlDbType = NpgsqlDbType.Text },
                new() { Value = (object?)entry.ModelVersion ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer },
                new() { Value = (object?)entry.SentBy ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            },
        };
        long id, count;
        await using (var reader = await insert.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            id = reader.GetInt64(0);
            count = reader.GetInt64(1);
        }

        await transaction.CommitAsync(cancellationToken);
        return new StoredFeedback(id, count);
    }

    public async Task<IReadOnlyList<FeedbackRowSummary>> ListNewestAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var select = new NpgsqlCommand(
            $"SELECT {FeedbackTable.Id}, {FeedbackTable.Timestamp}, {FeedbackTable.Correct}, {FeedbackTable.Predicted}, {FeedbackTable.ModelVersion}, {FeedbackTable.SentBy} FROM {FeedbackTable.Name} ORDER BY {FeedbackTable.Id} DESC LIMIT $1",
            connection)
        {
            Parameters = { new() { Value = limit } },
        };
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await FeedbackRowSummary.ReadAllAsync(reader, cancellationToken);
    }

    public Task<FeedbackDeletion> DeleteAsync(long id, CancellationToken cancellationToken) =>
        DeleteAndEraseAsync($"DELETE FROM {FeedbackTable.Name} WHERE {FeedbackTable.Id} = $1", id, cancellationToken);

    public Task<FeedbackDeletion> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        DeleteAndEraseAsync($"DELETE FROM {FeedbackTable.Name} WHERE {FeedbackTable.Timestamp} < $1", cutoff.ToUnixTimeMilliseconds() / 1000.0, cancellationToken);

    private async Task<FeedbackDeletion> DeleteAndEraseAsync(string sql, object parameter, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        int rows;
        await using (var delete = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = parameter } } })
        {
            rows = await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        // The row is gone once committed; the erasure must not be abandoned with the request. One that did not finish
        // (a reader in the way) is retried by the next delete, which the hourly retention sweep also is.
        if (rows == 0 && !_erasurePending)
        {
            return new FeedbackDeletion(0, Erased: true);
        }

        var erased = await RewriteAsync(connection, FeedbackTable.Name, CancellationToken.None);
        _erasurePending = !erased;
        return new FeedbackDeletion(rows, erased);
    }

    /// <summary>
    /// Rewrites <paramref name="table"/> and its TOAST table into new files and drops the old ones (<c>VACUUM FULL</c>),
    /// so deleted rows' bytes leave the table's files; false when the rewrite failed (it is then retried by the next
    /// delete). A plain <c>VACUUM</c> is not enough: it marks dead tuples' space free but leaves their bytes in the
    /// pages until new rows happen to overwrite them. The rewrite holds an exclusive lock on the table while it copies
    /// the live rows: inserts wait for it, so its time grows with the table (about a second per few hundred MB).
    /// </summary>
    internal static async Task<bool> RewriteAsync(NpgsqlConnection connection, string table, CancellationToken cancellationToken)
    {
        try
        {
            // VACUUM cannot run inside a transaction or take parameters: the table name is one of our constants.
            await using var vacuum = new NpgsqlCommand($"VACUUM (FULL) {table}", connection);
            await vacuum.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return false;
        }
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var count = new NpgsqlCommand($"SELECT count(*) FROM {FeedbackTable.Name}", connection);
        return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await EnsureSchemaAsync(connection, cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (_schemaReady)
        {
            return;
        }

        await _schemaGate.WaitAsync(cancellationToken);
        try
        {
            if (_schemaReady)
            {
                return;
            }

            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var create = new NpgsqlCommand(
                $"SELECT pg_advisory_xact_lock(hashtext('{FeedbackTable.Name} schema')); {FeedbackTable.PostgresCreateSql}", connection, transaction);
            await create.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            _schemaReady = true;
        }
        finally
        {
            _schemaGate.Release();
        }
    }
}
