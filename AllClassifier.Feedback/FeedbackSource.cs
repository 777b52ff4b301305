using Npgsql;

namespace AllClassifier.Feedback;

/// <summary>
/// The API's feedback table, wherever it lives: <see cref="FeedbackReader"/>'s SQLite file, or PostgreSQL when the
/// <c>feedback</c> connection string is set. Both stream images: rows are listed without them.
/// </summary>
public interface IFeedbackSource
{
    /// <summary>The id and label of every row with an id above <paramref name="afterId"/>, without its image.</summary>
    Task<FeedbackBatch> ReadRowsAsync(long afterId, CancellationToken cancellationToken);

    byte[] ReadImage(long id);
}

public static class FeedbackSources
{
    /// <summary>PostgreSQL when <paramref name="connectionString"/> is set, else the SQLite file at <paramref name="databasePath"/>.</summary>
    public static IFeedbackSource Open(string? connectionString, string databasePath) =>
        string.IsNullOrWhiteSpace(connectionString) ? new SqliteFeedbackSource(databasePath) : new PostgresFeedbackSource(connectionString);

    /// <summary>As <see cref="Open"/>, or null when neither a connection string nor a database file is configured.</summary>
    public static IFeedbackSource? OpenIfConfigured(string? connectionString, string? databasePath) =>
        !string.IsNullOrWhiteSpace(connectionString) || databasePath is not null ? Open(connectionString, databasePath ?? "") : null;
}

public sealed class SqliteFeedbackSource(string databasePath) : IFeedbackSource
{
    // Microsoft.Data.Sqlite's async methods run synchronously anyway.
    public Task<FeedbackBatch> ReadRowsAsync(long afterId, CancellationToken cancellationToken) =>
        Task.FromResult(FeedbackReader.ReadRows(databasePath, afterId));

    public byte[] ReadImage(long id) => FeedbackReader.ReadImage(databasePath, id);
}

/// <summary>
/// Reads the table the API's PostgreSQL store writes. A database without the table (the API has not started yet)
/// means no feedback.
/// </summary>
public sealed class PostgresFeedbackSource(string connectionString) : IFeedbackSource
{
    public async Task<FeedbackBatch> ReadRowsAsync(long afterId, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        if (!HasTable(connection))
        {
            return new FeedbackBatch([], [], 0);
        }

        await using var command = new NpgsqlCommand(
            $"""
            SELECT {FeedbackTable.Id}, {FeedbackTable.Correct}, {FeedbackTable.Image} IS NULL, {FeedbackTable.Sha256}
            FROM {FeedbackTable.Name} WHERE {FeedbackTable.Id} > $1 ORDER BY {FeedbackTable.Id}
            """,
            connection)
        {
            Parameters = { new() { Value = afterId } },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return FeedbackReader.ReadBatch(reader);
    }

    public byte[] ReadImage(long id)
    {
        using var connection = Open();
        using var command = new NpgsqlCommand($"SELECT {FeedbackTable.Image} FROM {FeedbackTable.Name} WHERE {FeedbackTable.Id} = $1", connection)
        {
            Parameters = { new() { Value = id } },
        };
        return command.ExecuteScalar() as byte[] ?? throw new InvalidOperationException($"Feedback row {id} is gone or has no image.");
    }

    private NpgsqlConnection Open()
    {
        var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        return connection;
    }

    private static bool HasTable(NpgsqlConnection connection)
    {
        using var command = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection)
        {
            Parameters = { new() { Value = FeedbackTable.Name } },
        };
        return (bool)command.ExecuteScalar()!;
    }
}
