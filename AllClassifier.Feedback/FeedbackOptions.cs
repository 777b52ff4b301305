using AllClassifier.Model.Settings;

namespace AllClassifier.Feedback;

/// <summary>
/// Where corrections are stored and when they trigger a retraining (section <c>Feedback</c>, read by the API and the
/// trainer alike; <c>FEEDBACK_DIR</c>, <c>ConnectionStrings:feedback</c>, <c>FB_THRESH</c> and
/// <c>FEEDBACK_RETENTION_DAYS</c> are aliases of its keys).
/// </summary>
public sealed class FeedbackOptions
{
    public const string SectionName = "Feedback";

    /// <summary>Folder of the SQLite file, used when <see cref="ConnectionString"/> is unset.</summary>
    public string Directory { get; set; } = SharedSettings.DefaultFeedbackDirectory;

    /// <summary>A PostgreSQL (Npgsql) connection string: the table lives there instead of the SQLite file.</summary>
    public string? ConnectionString { get; set; }

    /// <summary><see cref="ConnectionString"/> when it selects PostgreSQL; null selects the SQLite file.</summary>
    public string? PostgresConnectionString => string.IsNullOrWhiteSpace(ConnectionString) ? null : ConnectionString;

    /// <summary>How long a writer waits for another writer's lock before giving up.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The Retry-After sent when the store cannot write for a while (locked or failing disk).</summary>
    public int UnavailableRetryAfterSeconds { get; set; } = 5;

    /// <summary>Rows older than this many days are deleted (<c>FEEDBACK_RETENTION_DAYS</c>); unset keeps them all.</summary>
    public int? RetentionDays { get; set; }

    /// <summary>Rows pending since training that trigger a retraining (<c>FB_THRESH</c>), as the trainer's sensor uses.</summary>
    public int Threshold { get; set; } = SharedSettings.DefaultFeedbackThreshold;

    /// <summary>How often the retention sweep runs.</summary>
    public TimeSpan RetentionSweepInterval { get; set; } = TimeSpan.FromHours(1);

    public string DatabasePath => FeedbackTable.DatabasePath(Directory);
}
