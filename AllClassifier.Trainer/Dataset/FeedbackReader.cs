using AllClassifier.Model;
using AllClassifier.Model.Feedback;
using Microsoft.Data.Sqlite;

namespace AllClassifier.Trainer.Dataset;

/// <summary>A correction sent back by lab staff: the image, its true class and, when the API stored it, the image's hash.</summary>
public sealed record FeedbackImage(long Id, CellClass Label, byte[] Image, string? Sha256);

/// <summary>Feedback rows read from the feedback database, and the rows that could not be used.</summary>
public sealed record FeedbackBatch(IReadOnlyList<FeedbackImage> Images, IReadOnlyList<string> Skipped, long HighWaterMark);

/// <summary>
/// Reads the API's <see cref="FeedbackTable"/> read-only. A missing file or a database without the table means no
/// feedback yet; a table written by the original stack (no <c>sha256</c> column) is read without stored hashes.
/// </summary>
public static class FeedbackReader
{
    /// <summary>Rows with an id above <paramref name="afterId"/>.</summary>
    public static long CountSince(string databasePath, long afterId)
    {
        using var connection = OpenReadOnly(databasePath);
        if (connection is null)
        {
            return 0;
        }

        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {FeedbackTable.Name} WHERE {FeedbackTable.Id} > $after";
        command.Parameters.AddWithValue("$after", afterId);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static FeedbackBatch ReadAll(string databasePath)
    {
        using var connection = OpenReadOnly(databasePath);
        if (connection is null)
        {
            return new FeedbackBatch([], [], 0);
        }

        using var command = connection.CreateCommand();
        var sha256 = HasColumn(connection, FeedbackTable.Sha256) ? FeedbackTable.Sha256 : "NULL";
        command.CommandText = $"SELECT {FeedbackTable.Id}, {FeedbackTable.Correct}, {FeedbackTable.Image}, {sha256} FROM {FeedbackTable.Name} ORDER BY {FeedbackTable.Id}";
        using var reader = command.ExecuteReader();
        var images = new List<FeedbackImage>();
        var skipped = new List<string>();
        long highWaterMark = 0;
        while (reader.Read())
        {
            var id = reader.GetInt64(0);
            highWaterMark = Math.Max(highWaterMark, id);
            var correct = reader.IsDBNull(1) ? null : reader.GetValue(1)?.ToString();
            if (!CellClasses.TryParse(correct, out var label))
            {
                skipped.Add($"feedback row {id}: '{correct}' is not a class");
                continue;
            }

            if (reader.IsDBNull(2))
            {
                skipped.Add($"feedback row {id}: no image");
                continue;
            }

            images.Add(new FeedbackImage(id, label, (byte[])reader.GetValue(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return new FeedbackBatch(images, skipped, highWaterMark);
    }

    private static bool HasColumn(SqliteConnection connection, string column)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('{FeedbackTable.Name}') WHERE name = $column";
        command.Parameters.AddWithValue("$column", column);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    private static SqliteConnection? OpenReadOnly(string databasePath)
    {
        if (!File.Exists(databasePath))
        {
            return null;
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{FeedbackTable.Name}'";
            if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                connection.Dispose();
                return null;
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
