using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace AllClassifier.Feedback.Audit;

/// <summary>
/// The append-only audit chain and the working state written with it. Every change goes through
/// <see cref="WriteAsync{T}"/>: one transaction under the chain's append lock, in which the caller's statements and the
/// records describing them commit together, or nothing does.
/// </summary>
public sealed class AuditLedger(AuditDatabase database, TimeProvider time)
{
    private const string EntryColumns = "seq, record_id, kind, ts, subject, case_id, body, prev_hash, hash";

    public AuditDatabase Database => database;

    /// <summary>
    /// Runs <paramref name="work"/> in one append transaction. It commits when the work returns without calling
    /// <see cref="AuditWriter.Abort"/>; an abort or an exception rolls back every statement and record.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<AuditWriter, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await database.BeginAppendAsync(connection, cancellationToken);
        var writer = new AuditWriter(connection, transaction, time.GetUtcNow());
        var result = await work(writer);
        if (writer.Aborted)
        {
            await transaction.RollbackAsync(cancellationToken);
        }
        else
        {
            await transaction.CommitAsync(cancellationToken);
        }

        return result;
    }

    /// <summary>Runs a read on its own connection.</summary>
    public async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await read(connection);
    }

    public Task<ChainVerification> VerifyAsync(CancellationToken cancellationToken) => ReadAsync(
        async connection => await AuditChain.VerifyAsync(ReadEntriesAsync(connection, null, null, cancellationToken), await ReadCheckpointAsync(connection, null, cancellationToken), cancellationToken),
        cancellationToken);

    /// <summary>The links whose time falls in [from, to), or all of them, in sequence order.</summary>
    public static async IAsyncEnumerable<AuditEntry> ReadEntriesAsync(
        DbConnection connection, DateTimeOffset? from, DateTimeOffset? to, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var select = connection.CreateCommand();
        select.CommandText = from is null
            ? $"SELECT {EntryColumns} FROM {AuditTables.Records} ORDER BY seq"
            : $"SELECT {EntryColumns} FROM {AuditTables.Records} WHERE ts >= @from AND ts < @to ORDER BY seq";
        if (from is not null)
        {
            Sql.Bind(select, ("from", AuditChain.Seconds(from.Value)), ("to", AuditChain.Seconds(to!.Value)));
        }

        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return ReadEntry(reader);
        }
    }

    /// <summary>The records about one prediction or case (its <c>subject</c>), in sequence order.</summary>
    public static async Task<IReadOnlyList<AuditEntry>> ReadSubjectAsync(
        DbConnection connection, DbTransaction? transaction, string subject, CancellationToken cancellationToken)
    {
        await using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = $"SELECT {EntryColumns} FROM {AuditTables.Records} WHERE subject = @subject ORDER BY seq";
        Sql.Bind(select, ("subject", subject));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var entries = new List<AuditEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(ReadEntry(reader));
        }

        return entries;
    }

    public static async Task<ChainCheckpoint?> ReadCheckpointAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = $"SELECT through_seq, hash FROM {AuditTables.Checkpoint} WHERE id = 1";
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ChainCheckpoint(Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), reader.GetString(1))
            : null;
    }

    private static AuditEntry ReadEntry(DbDataReader reader) => new(
        Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture),
        reader.GetString(1),
        reader.GetString(2),
        Convert.ToDouble(reader.GetValue(3), CultureInfo.InvariantCulture),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetString(5),
        reader.GetString(6),
        reader.GetString(7),
        reader.GetString(8));

    internal static async Task InsertAsync(DbConnection connection, DbTransaction transaction, AuditEntry entry, CancellationToken cancellationToken)
    {
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = $"""
            INSERT INTO {AuditTables.Records}({EntryColumns})
            VALUES (@seq, @record_id, @kind, @ts, @subject, @case_id, @body, @prev_hash, @hash)
            """;
        Sql.Bind(
            insert,
            ("seq", entry.Seq),
            ("record_id", entry.RecordId),
            ("kind", entry.Kind),
            ("ts", entry.Ts),
            ("subject", entry.Subject),
            ("case_id", entry.CaseId),
            ("body", entry.Body),
            ("prev_hash", entry.PrevHash),
            ("hash", entry.Hash));
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>
/// The statements of one append transaction. The chain's head is read once, under the append lock, and every
/// <see cref="AppendAsync"/> links to the one before it.
/// </summary>
public sealed class AuditWriter(DbConnection connection, DbTransaction transaction, DateTimeOffset now)
{
    private (long Seq, string Hash)? _head;

    public DbConnection Connection => connection;

    public DbTransaction Transaction => transaction;

    /// <summary>The time every record and row of this transaction carries.</summary>
    public DateTimeOffset Now => now;

    public bool Aborted { get; private set; }

    /// <summary>Rolls the whole transaction back when the work returns.</summary>
    public void Abort() => Aborted = true;

    public async Task<AuditEntry> AppendAsync(string kind, string? caller, string? subject, string? caseId, object data, CancellationToken cancellationToken)
    {
        var (seq, hash) = _head ??= await ReadHeadAsync(cancellationToken);
        var entry = AuditChain.Link(seq, hash, kind, now, caller, subject, caseId, data);
        await AuditLedger.InsertAsync(connection, transaction, entry, cancellationToken);
        _head = (entry.Seq, entry.Hash);
        return entry;
    }

    public DbCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        Sql.Bind(command, parameters);
        return command;
    }

    public async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<(long, string)> ReadHeadAsync(CancellationToken cancellationToken)
    {
        await using (var last = Command($"SELECT seq, hash FROM {AuditTables.Records} ORDER BY seq DESC LIMIT 1"))
        await using (var reader = await last.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                return (Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), reader.GetString(1));
            }
        }

        // Retention never empties the table (its own record stays), so an empty table after a checkpoint means the
        // records were removed by hand; the next record still links to the checkpoint and verification says so.
        return await AuditLedger.ReadCheckpointAsync(connection, transaction, cancellationToken) is { } checkpoint
            ? (checkpoint.ThroughSeq, checkpoint.Hash)
            : (0, AuditChain.GenesisHash);
    }
}

/// <summary>Parameter binding shared by the SQLite and PostgreSQL providers (both bind <c>@name</c>).</summary>
public static class Sql
{
    public static void Bind(DbCommand command, params (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
    }
}
