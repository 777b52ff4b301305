using AllClassifier.Model;
using Microsoft.Data.Sqlite;

namespace AllClassifier.Trainer.Dataset;

/// <summary>A correction sent back by lab staff: its row id and true class; the image stays in the table until read.</summary>
public sealed record FeedbackRow(long Id, CellClass Label);

/// <summary>Feedback rows read from the feedback database, and the rows that could not be used.</summary>
public sealed record FeedbackBatch(IReadOnlyList<FeedbackRow> Rows, IReadOnlyList<string> Skipped, long HighWaterMark);

/// <summary>
/// Reads the API's feedback database (<c>feedback(id, ts, correct, predicted, img)</c>) read-only. A missing file
/// or a database without the table means no feedback yet. Images are streamed: the row list holds ids and labels,
/// and each image is read on its own when it is processed, so memory does not grow with the table.
/// </summary>
public static class FeedbackStore
{
    public const string FileName = "feedback.db";

    /// <summary>Rows with an id above <paramref name="afterId"/>.</summary>
    public static long CountSince(string databasePath, long afterId)
    {
        using var connection = OpenReadOnly(databasePath);
        if (connection is null)
        {
            return 0;
        }

        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM feedback WHERE id > $after";
        command.Parameters.AddWithValue("$after", afterId);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Every row's id and label, without its image.</summary>
    public static FeedbackBatch ReadRows(string databasePath)
    {
        using var connection = OpenReadOnly(databasePath);
        if (connection is null)
        {
            return new FeedbackBatch([], [], 0);
        }

        using var command = connection.CreateCommand();
        // "img IS NULL" is answered from the record header; the blob's pages are not read.
        command.CommandText = "SELECT id, correct, img IS NULL FROM feedback ORDER BY id";
        using var reader = command.ExecuteReader();
        var rows = new List<FeedbackRow>();
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

            if (reader.GetBoolean(2))
            {
                skipped.Add($"feedback row {id}: no image");
                continue;
            }

            rows.Add(new FeedbackRow(id, label));
        }

        return new FeedbackBatch(rows, skipped, highWaterMark);
    }

    /// <summary>The image of one row, read through an incremental blob handle into one array of its size.</summary>
    public static byte[] ReadImage(string databasePath, long id)
    {
        using var connection = OpenReadOnly(databasePath, pooling: true)
            ?? throw new FileNotFoundException("The feedback database or its table is gone.", databasePath);
        using var blob = new SqliteBlob(connection, "feedback", "img", id, readOnly: true);
        var image = new byte[blob.Length];
        blob.ReadExactly(image);
        return image;
    }

    private static SqliteConnection? OpenReadOnly(string databasePath, bool pooling = false)
    {
        if (!File.Exists(databasePath))
        {
            return null;
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = pooling,
        }.ToString());
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'feedback'";
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
