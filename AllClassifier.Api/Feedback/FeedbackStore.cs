using System.Globalization;
using AllClassifier.Model;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Feedback;

/// <summary>One stored correction.</summary>
public sealed record FeedbackEntry(CellClass Correct, CellClass Predicted, byte[] Image, string Sha256, int? ModelVersion);

/// <summary>What <see cref="FeedbackStore.AddAsync"/> stored: the row's id and the row count including it.</summary>
public sealed record StoredFeedback(long Id, long Count);

/// <summary>
/// The feedback table of the original stack in <c>${FEEDBACK_DIR}/feedback.db</c>, read by the trainer.
/// WAL lets the trainer read while the API writes; each insert and its count share one immediate transaction,
/// so the count returned includes the row and is never stale, however many posts arrive at once.
/// A row is acknowledged only after its commit is on disk: with WAL, SQLite's default <c>synchronous=NORMAL</c>
/// survives a process kill but may lose the last commits on a power cut, so every connection runs
/// <c>synchronous=FULL</c>, which fsyncs the WAL at each commit (one fsync per correction is cheap next to the
/// image decode that precedes it).
/// </summary>
public sealed class FeedbackStore(IOptions<FeedbackOptions> options, TimeProvider timeProvider)
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS feedback(
          id        INTEGER PRIMARY KEY AUTOINCREMENT,
          ts        REAL,
          correct   TEXT,
          predicted TEXT,
          img       BLOB,
          sha256    TEXT,
          model_version INTEGER
        );
        """;

    private readonly Lock _schemaLock = new();
    private volatile bool _schemaReady;

    public string DatabasePath => options.Value.DatabasePath;

    /// <summary>Stores the entry durably and returns its id and the number of rows including it.</summary>
    public async Task<StoredFeedback> AddAsync(FeedbackEntry entry, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        long id;

        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO feedback(ts, correct, predicted, img, sha256, model_version)
                VALUES ($ts, $correct, $predicted, $img, $sha256, $model_version)
                RETURNING id
                """;
            insert.Parameters.AddWithValue("$ts", timeProvider.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
            insert.Parameters.AddWithValue("$correct", entry.Correct.Name());
            insert.Parameters.AddWithValue("$predicted", entry.Predicted.Name());
            insert.Parameters.Add("$img", SqliteType.Blob).Value = entry.Image;
            insert.Parameters.AddWithValue("$sha256", entry.Sha256);
            insert.Parameters.AddWithValue("$model_version", (object?)entry.ModelVersion ?? DBNull.Value);
            id = Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }

        var count = await CountAsync(connection, transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new StoredFeedback(id, count);
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
        count.CommandText = "SELECT count(*) FROM feedback";
        return Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        EnsureSchema();
        var connection = new SqliteConnection(ConnectionString(SqliteOpenMode.ReadWrite));
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = $"PRAGMA busy_timeout = {(int)options.Value.BusyTimeout.TotalMilliseconds}; PRAGMA synchronous = FULL;";
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
            command.CommandText = $"PRAGMA busy_timeout = {(int)options.Value.BusyTimeout.TotalMilliseconds}; PRAGMA journal_mode = WAL; {Schema}";
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
