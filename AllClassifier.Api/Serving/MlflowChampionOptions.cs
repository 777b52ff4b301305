using AllClassifier.Model.Settings;

namespace AllClassifier.Api.Serving;

/// <summary>
/// Following the MLflow registry's <c>champion</c> alias instead of the local registry (section
/// <c>ModelServing:Mlflow</c>; <c>MLFLOW_TRACKING_URI</c> is an alias of its <c>TrackingUri</c>).
/// </summary>
public sealed class MlflowChampionOptions
{
    public const string SectionName = "ModelServing:Mlflow";

    /// <summary>The switch: serve MLflow's champion (mirrored into <see cref="CacheDirectory"/>).</summary>
    public bool FollowChampion { get; set; }

    public Uri? TrackingUri { get; set; }

    /// <summary>Local copy of the followed versions, laid out like the local registry; served from when MLflow is down.</summary>
    public string CacheDirectory { get; set; } = Path.Combine(SharedSettings.DefaultFeedbackDirectory, "mlflow-cache");

    public string RegisteredModelName { get; set; } = "all-classifier";

    public string Alias { get; set; } = "champion";

    /// <summary>The largest file downloaded from MLflow; a bigger one is refused before it fills the disk.</summary>
    public long MaxDownloadBytes { get; set; } = MlflowRegistryMirror.DefaultMaxFileBytes;

    /// <summary>How often MLflow is asked where the alias points.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);
}
