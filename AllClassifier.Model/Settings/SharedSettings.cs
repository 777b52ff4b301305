namespace AllClassifier.Model.Settings;

/// <summary>
/// The settings the services share, named as the original stack named its environment variables, each with the
/// one default every service uses (the container layout: <c>/app/data</c>, <c>/app/registry</c>, <c>/app/work</c>).
/// Dependency-free on purpose: the app host compiles this file in to set the same names.
/// </summary>
public static class SharedSettings
{
    /// <summary>Folder of <c>feedback.db</c>, written by the API and read by the trainer.</summary>
    public const string FeedbackDirectory = "FEEDBACK_DIR";

    /// <summary>Root of the local model registry the trainer writes and the API serves from.</summary>
    public const string RegistryDirectory = "MODEL_REGISTRY_DIR";

    /// <summary>The trainer's work folder: processed images, manifests, runs, the feature cache.</summary>
    public const string WorkDirectory = "WORK_DIR";

    /// <summary>Optional dataset root; synthetic smears are used without one.</summary>
    public const string DataDirectory = "DATA_DIR";

    /// <summary>Feedback rows that trigger a retraining.</summary>
    public const string FeedbackThreshold = "FB_THRESH";

    /// <summary>Feedback rows older than this many days are deleted by the API; unset keeps them all.</summary>
    public const string FeedbackRetentionDays = "FEEDBACK_RETENTION_DAYS";

    /// <summary>MLflow tracking server; unset, nothing is sent to MLflow.</summary>
    public const string MlflowTrackingUri = "MLFLOW_TRACKING_URI";

    public const string DefaultFeedbackDirectory = "/app/data";
    public const string DefaultRegistryDirectory = "/app/registry";
    public const string DefaultWorkDirectory = "/app/work";
    public const int DefaultFeedbackThreshold = 100;
}
