using AllClassifier.Model.Settings;

namespace AllClassifier.Feedback;

/// <summary>Where corrections are stored (section <c>Feedback</c>; <c>FEEDBACK_DIR</c> sets the directory).</summary>
public sealed class FeedbackOptions
{
    public const string SectionName = "Feedback";

    public string Directory { get; set; } = SharedSettings.DefaultFeedbackDirectory;

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
