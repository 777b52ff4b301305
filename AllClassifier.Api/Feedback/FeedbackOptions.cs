namespace AllClassifier.Api.Feedback;

/// <summary>Where corrections are stored (section <c>Feedback</c>; <c>FEEDBACK_DIR</c> sets the directory).</summary>
public sealed class FeedbackOptions
{
    public const string SectionName = "Feedback";
    public const string DatabaseFileName = "feedback.db";

    public string Directory { get; set; } = "/app/data";

    /// <summary>How long a writer waits for another writer's lock before giving up.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The Retry-After sent when the store cannot write for a while (locked or failing disk).</summary>
    public int UnavailableRetryAfterSeconds { get; set; } = 5;

    public string DatabasePath => Path.Combine(Directory, DatabaseFileName);
}
