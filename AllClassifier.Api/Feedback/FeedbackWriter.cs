using System.Globalization;
using AllClassifier.Model;
using AllClassifier.Model.Feedback;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Feedback;

/// <summary>One stored correction.</summary>
public sealed record FeedbackEntry(CellClass Correct, CellClass Predicted, byte[] Image, string Sha256, int? ModelVersion);

/// <summary>
/// Writes the <see cref="FeedbackTable"/> in <c>${FEEDBACK_DIR}/feedback.db</c>, which the trainer reads.
/// WAL lets the trainer read while the API writes; each insert and its count share one immediate transaction,
/// so the count returned includes the row and is never stale, however many posts arrive at once.
/// </summary>
public sealed class FeedbackWriter(IOptions<FeedbackOptions> options, TimeProvider timeProvider)
{
    private readonly Lock _schemaLock = new();
    private volatile bool _schemaReady;

    public string DatabasePath => options.Value.DatabasePath;

    /// <summary>Stores the entry and returns the number of rows including it.</summary>
    public async Task<long> AddAsync(FeedbackEntry entry, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);

        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = $"""
                INSERT INTO {FeedbackTable.Name}({FeedbackTable.Timestamp}, {FeedbackTable.Correct}, {FeedbackTable.Predicted}, {FeedbackTable.Image}, {FeedbackTable.Sha256}, {FeedbackTable.ModelVersion})
                VALUES ($ts, $correct, $predicted, $img, $sha256, $model_version)
                """;
            insert.Parameters.AddWithValue("$ts", timeProvider.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
            insert.Parameters.AddWithValue("$correct", entry.Correct.Name());
            insert.Parameters.AddWithValue("$predicted", entry.Predicted.Name());
            insert.Parameters.Add("$img", SqliteType.Blob).Value = entry.Image;
            insert.Parameters.AddWithValue("$sha256", entry.Sha256);
            insert.Parameters.AddWithValue("$model_version", (object?)entry.ModelVersion ?? DBNull.Value);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        var count = await CountAsync(connection, transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return count;
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
        var connection = new SqliteConnection(ConnectionString(SqliteOpenMode.ReadWrite));
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = $"PRAGMA busy_timeout = {(int)options.Value.BusyTimeout.TotalMilliseconds};";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
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
            using var connection = new SqliteConnection(ConnectionString(SqliteOpenMode.ReadWriteCreate));
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA busy_timeout = {(int)options.Value.BusyTimeout.TotalMilliseconds}; PRAGMA journal_mode = WAL; {FeedbackTable.CreateSql}";
            command.ExecuteNonQuery();
            _schemaReady = true;
        }
    }

    private string ConnectionString(SqliteOpenMode mode) => new SqliteConnectionStringBuilder
    {
        DataSource = DatabasePath,
        Mode = mode,
        Pooling = true,
        DefaultTimeout = (int)Math.Ceiling(options.Value.BusyTimeout.TotalSeconds),
    }.ToString();
}
