using AllClassifier.Model;
using Microsoft.Data.Sqlite;

namespace AllClassifier.Feedback;

/// <summary>
/// A correction sent back by lab staff: its row id, true class and, when the API stored it, the image's hash; the
/// image stays in the table until read (<see cref="FeedbackReader.ReadImage"/>).
/// </summary>
public sealed record FeedbackRow(long Id, CellClass Label, string? Sha256);

/// <summary>Feedback rows read from the feedback database, and the rows that could not be used.</summary>
public sealed record FeedbackBatch(IReadOnlyList<FeedbackRow> Rows, IReadOnlyList<string> Skipped, long HighWaterMark)
{
    /// <summary>
    /// Ids of rows whose verdict is <see cref="FeedbackVerdict.NotAssessable"/> and that still hold their image: never
    /// a class to train on, but what staff said the referral gate should have caught, so the trainer tests it on them.
    /// </summary>
    public IReadOnlyList<long> NotAssessable { get; init; } = [];
}

/// <summary>
/// Reads the API's <see cref="FeedbackTable"/> read-only. A missing file or a database without the table means no
/// feedback yet; a table written by the original stack (no <c>sha256</c> column) is read without stored hashes.
/// Images are streamed: the row list holds ids and labels, and each image is read on its own when it is processed,
/// so memory does not grow with the table.
/// </summary>
public static class FeedbackReader
{
    /// <summary>The id and label of every row with an id above <paramref name="afterId"/>, without its image.</summary>
    public static FeedbackBatch ReadRows(string databasePath, long afterId = 0)
    {
        using var connection = OpenReadOnly(databasePath);
        if (connection is null)
        {
            return new FeedbackBatch([], [], 0);
        }

        using var command = connection.CreateCommand();
        var sha256 = HasColumn(connection, FeedbackTable.Sha256) ? FeedbackTable.Sha256 : "NULL";

        // "img IS NULL" is answered from the record header; the blob's pages are not read.
        command.CommandText = $"""
            SELECT {FeedbackTable.Id}, {FeedbackTable.Correct}, {FeedbackTable.Image} IS NULL, {sha256}
            FROM {FeedbackTable.Name} WHERE {FeedbackTable.Id} > $after ORDER BY {FeedbackTable.Id}
            """;
        command.Parameters.AddWithValue("$after", afterId);
        using var reader = command.ExecuteReader();
        return ReadBatch(reader);
    }

    /// <summary>
    /// Reads rows of (id, correct, image-is-null, sha256), in id order, into usable rows and the reasons others were
    /// skipped; shared by every store the table can live in. A row is usable when its <c>correct</c> is a class
    /// (<see cref="CellClasses.TryParse"/>) and it has an image: a <c>NotAssessable</c> verdict is a correction but
    /// not a class to train on; those with an image are listed apart (<see cref="FeedbackBatch.NotAssessable"/>).
    /// </summary>
    internal static FeedbackBatch ReadBatch(System.Data.Common.DbDataReader reader)
    {
        var rows = new List<FeedbackRow>();
        var skipped = new List<string>();
        var notAssessable = new List<long>();
        long highWaterMark = 0;
        while (reader.Read())
        {
            var id = reader.GetInt64(0);
            highWaterMark = Math.Max(highWaterMark, id);
            var correct = reader.IsDBNull(1) ? null : reader.GetValue(1)?.ToString();
            if (!CellClasses.TryParse(correct, out var label))
            {
                if (FeedbackVerdict.TryParse(correct, out var verdict) && verdict is null && !reader.GetBoolean(2))
                {
                    notAssessable.Add(id);
                }
                else
                {
                    skipped.Add($"feedback row {id}: '{correct}' is not a class");
                }

                continue;
            }

            if (reader.GetBoolean(2))
            {
                skipped.Add($"feedback row {id}: no image");
                continue;
            }

            rows.Add(new FeedbackRow(id, label, reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return new FeedbackBatch(rows, skipped, highWaterMark) { NotAssessable = notAssessable };
    }

    private static bool HasColumn(SqliteConnection connection, string column)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM pragma_table_info('{FeedbackTable.Name}') WHERE name = $column";
        command.Parameters.AddWithValue("$column", column);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>The image of one row, read through an incremental blob handle into one array of its size.</summary>
    public static byte[] ReadImage(string databasePath, long id)
    {
        using var connection = OpenReadOnly(databasePath, pooling: true)
            ?? throw new FileNotFoundException("The feedback database or its table is gone.", databasePath);
        using var blob = new SqliteBlob(connection, FeedbackTable.Name, FeedbackTable.Image, id, readOnly: true);
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
