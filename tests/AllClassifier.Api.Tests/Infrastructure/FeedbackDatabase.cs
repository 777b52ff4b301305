using Microsoft.Data.Sqlite;

namespace AllClassifier.Api.Tests.Infrastructure;

public sealed record FeedbackRow(long Id, double Ts, string Correct, string Predicted, byte[] Img, string? Sha256, long? ModelVersion, string? SentBy);

/// <summary>Reads the feedback table directly, as the trainer does.</summary>
public static class FeedbackDatabase
{
    public static long Count(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM feedback";
        return (long)command.ExecuteScalar()!;
    }

    public static FeedbackRow Last(string path)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, ts, correct, predicted, img, sha256, model_version, sent_by FROM feedback ORDER BY id DESC LIMIT 1";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read(), "the feedback table is empty");
        return new FeedbackRow(
            reader.GetInt64(0),
            reader.GetDouble(1),
            reader.GetString(2),
            reader.GetString(3),
            (byte[])reader.GetValue(4),
            reader.IsDBNull(5) ? null : reader.GetString(5),
            reader.IsDBNull(6) ? null : reader.GetInt64(6),
            reader.IsDBNull(7) ? null : reader.GetString(7));
    }

    public static IReadOnlyList<string> Columns(string path)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name || ' ' || type FROM pragma_table_info('feedback') ORDER BY cid";
        using var reader = command.ExecuteReader();
        var columns = new List<string>();
        while (reader.Read())
        {
            columns.Add(reader.GetString(0));
        }

        return columns;
    }

    public static string JournalMode(string path)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        return (string)command.ExecuteScalar()!;
    }

    /// <summary>A database as the original stack wrote it: only the LLD's five columns.</summary>
    public static void CreateWithOriginalSchema(string path, IEnumerable<(double Ts, string Correct)> rows)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var create = connection.CreateCommand();
        create.CommandText = "CREATE TABLE feedback(id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL, correct TEXT, predicted TEXT, img BLOB)";
        create.ExecuteNonQuery();
        foreach (var (ts, correct) in rows)
        {
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO feedback(ts, correct, predicted, img) VALUES ($ts, $correct, 'Pro', x'FFD8')";
            insert.Parameters.AddWithValue("$ts", ts);
            insert.Parameters.AddWithValue("$correct", correct);
            insert.ExecuteNonQuery();
        }
    }

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
