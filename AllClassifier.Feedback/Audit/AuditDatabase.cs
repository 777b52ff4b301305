using System.Data.Common;
using AllClassifier.Feedback;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AllClassifier.Feedback.Audit;

/// <summary>
/// Where the audit tables live: the feedback database, SQLite or PostgreSQL. The statements themselves are shared
/// (both providers bind <c>@name</c> parameters); a dialect only opens connections with the store's durability
/// settings, creates the schema, and begins the one transaction kind that may append to the chain.
/// </summary>
public abstract class AuditDatabase
{
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private volatile bool _schemaReady;

    public abstract string Describe { get; }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenConnectionAsync(cancellationToken);
        try
        {
            if (!_schemaReady)
            {
                await _schemaGate.WaitAsync(cancellationToken);
                try
                {
                    if (!_schemaReady)
                    {
                        await CreateSchemaAsync(connection, cancellationToken);
                        _schemaReady = true;
                    }
                }
                finally
                {
                    _schemaGate.Release();
                }
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A transaction that holds the chain's append lock until it ends, across every process sharing the database:
    /// appends are therefore serialised and the chain stays linear however many requests or replicas write.
    /// </summary>
    public abstract Task<DbTransaction> BeginAppendAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the bytes of deleted rows (kept prediction images above all) out of the database's files; false when it
    /// could not finish now, in which case the next erasure takes them.
    /// </summary>
    public abstract Task<bool> EraseDeletedAsync(TimeProvider time, CancellationToken cancellationToken);

    protected abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    protected abstract Task CreateSchemaAsync(DbConnection connection, CancellationToken cancellationToken);
}

/// <summary>
/// The audit tables in the feedback SQLite file, opened as the feedback store opens it (<see cref="SqliteFeedbackConnection"/>:
/// an acknowledged record is on disk, deleted images are zeroed); <c>BEGIN IMMEDIATE</c> takes the file's write lock
/// before the chain's head is read.
/// </summary>
public sealed class SqliteAuditDatabase(IOptions<FeedbackOptions> options) : AuditDatabase
{
    public string DatabasePath => options.Value.DatabasePath;

    public override string Describe => $"SQLite file {DatabasePath}";

    public override Task<DbTransaction> BeginAppendAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    public override async Task<bool> EraseDeletedAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        await using var connection = (SqliteConnection)await OpenAsync(cancellationToken);
        return await SqliteFeedbackConnection.EraseDeletedAsync(connection, options.Value, time, cancellationToken);
    }

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(options.Value.Directory);
        return await SqliteFeedbackConnection.OpenAsync(options.Value, SqliteOpenMode.ReadWriteCreate, cancellationToken);
    }

    protected override async Task CreateSchemaAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var create = connection.CreateCommand();
        // The feedback table too: whoever finds the file (the trainer, the feedback store) finds the table in it.
        create.CommandText = "PRAGMA journal_mode = WAL; " + FeedbackTable.CreateSql + AuditTables.CreateSql("BLOB", "REAL", "INTEGER");
        await create.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>
/// The audit tables in the feedback PostgreSQL database. Appends take a transaction-scoped advisory lock (one key for
/// the chain) and commit with <c>synchronous_commit = on</c>, whatever the server's default.
/// </summary>
public sealed class PostgresAuditDatabase(NpgsqlDataSource dataSource) : AuditDatabase
{
    private const string LockSql = $"SET LOCAL synchronous_commit = on; SELECT pg_advisory_xact_lock(hashtext('{AuditTables.Records}'))";

    public override string Describe
    {
        get
        {
            var builder = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
            return $"PostgreSQL database {builder.Database} on {builder.Host}:{builder.Port}";
        }
    }

    public override async Task<DbTransaction> BeginAppendAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await ((NpgsqlConnection)connection).BeginTransactionAsync(cancellationToken);
        try
        {
            await using var serialise = new NpgsqlCommand(LockSql, (NpgsqlConnection)connection, transaction);
            await serialise.ExecuteNonQueryAsync(cancellationToken);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }

    public override async Task<bool> EraseDeletedAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        await using var connection = (NpgsqlConnection)await OpenAsync(cancellationToken);
        return await PostgresFeedbackStore.RewriteAsync(connection, AuditTables.Images, cancellationToken);
    }

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await dataSource.OpenConnectionAsync(cancellationToken);

    protected override async Task CreateSchemaAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = await ((NpgsqlConnection)connection).BeginTransactionAsync(cancellationToken);
        await using var create = new NpgsqlCommand(
            $"SELECT pg_advisory_xact_lock(hashtext('{AuditTables.Records} schema')); " + AuditTables.CreateSql("BYTEA", "DOUBLE PRECISION", "BIGINT"),
            (NpgsqlConnection)connection,
            transaction);
        await create.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
