namespace AllClassifier.Model.Feedback;

/// <summary>
/// The feedback table the API writes and the trainer reads: the original stack's five columns
/// (<c>id, ts, correct, predicted, img</c>) plus <see cref="ExtraColumns"/> (the image's SHA-256, the model version
/// that answered, who sent it), which databases written by the original stack do not have.
/// </summary>
public static class FeedbackTable
{
    public const string FileName = "feedback.db";
    public const string Name = "feedback";

    public const string Id = "id";

    /// <summary>Unix time in seconds.</summary>
    public const string Timestamp = "ts";

    /// <summary>The class name lab staff gave.</summary>
    public const string Correct = "correct";

    /// <summary>The class name the model answered.</summary>
    public const string Predicted = "predicted";

    /// <summary>The uploaded image's original bytes.</summary>
    public const string Image = "img";

    /// <summary>Lower-case hex SHA-256 of <see cref="Image"/> (<see cref="Imaging.ImageHash"/>); absent in the original stack's rows.</summary>
    public const string Sha256 = "sha256";

    public const string ModelVersion = "model_version";

    /// <summary>The authenticated client that sent the correction (<c>web:alice</c> for a person behind the web app).</summary>
    public const string SentBy = "sent_by";

    /// <summary>
    /// Columns beyond the original five, in order. They are appended (ALTER TABLE on older databases), so the LLD's
    /// columns keep their names and positions for every reader.
    /// </summary>
    public static IReadOnlyList<(string Name, string Type)> ExtraColumns { get; } =
    [
        (Sha256, "TEXT"),
        (ModelVersion, "INTEGER"),
        (SentBy, "TEXT"),
    ];

    public const string CreateSql = $"""
        CREATE TABLE IF NOT EXISTS {Name}(
          {Id}        INTEGER PRIMARY KEY AUTOINCREMENT,
          {Timestamp}        REAL,
          {Correct}   TEXT,
          {Predicted} TEXT,
          {Image}       BLOB,
          {Sha256}    TEXT,
          {ModelVersion} INTEGER,
          {SentBy}    TEXT
        );
        """;

    public static string DatabasePath(string directory) => Path.Combine(directory, FileName);
}
