namespace AllClassifier.Model.Feedback;

/// <summary>
/// The feedback table the API writes and the trainer reads: the original stack's five columns
/// (<c>id, ts, correct, predicted, img</c>) plus the image's SHA-256 and the model version that answered, which
/// databases written by the original stack do not have.
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

    public const string CreateSql = $"""
        CREATE TABLE IF NOT EXISTS {Name}(
          {Id}        INTEGER PRIMARY KEY AUTOINCREMENT,
          {Timestamp}        REAL,
          {Correct}   TEXT,
          {Predicted} TEXT,
          {Image}       BLOB,
          {Sha256}    TEXT,
          {ModelVersion} INTEGER
        );
        """;

    public static string DatabasePath(string directory) => Path.Combine(directory, FileName);
}
