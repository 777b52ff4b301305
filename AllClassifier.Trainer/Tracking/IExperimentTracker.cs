namespace AllClassifier.Trainer.Tracking;

public sealed record TrackedMetric(string Key, double Value, long Step);

public sealed record TrackedArtifact(string LocalPath, string ArtifactPath);

/// <summary>Where a registration landed on the tracking server: its run and the registered model's version.</summary>
public sealed record TrackedRegistration(string TrackingUri, string RunId, string ModelName, string Version);

/// <summary>
/// Where the pipeline reports runs, metrics, artifacts and registrations besides the local registry
/// (an experiment-tracking server such as MLflow). Each call carries the run directory so a tracker can keep
/// its own state beside the run when tasks run as separate processes.
/// </summary>
public interface IExperimentTracker
{
    Task StartRunAsync(string runId, string runDirectory, IReadOnlyDictionary<string, string> parameters, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken);

    Task LogMetricsAsync(string runId, string runDirectory, IReadOnlyList<TrackedMetric> metrics, CancellationToken cancellationToken);

    Task LogArtifactsAsync(string runId, string runDirectory, IReadOnlyList<TrackedArtifact> artifacts, CancellationToken cancellationToken);

    // Called by register_model after the local registration; returns where the tracking system recorded it (or null).
    Task<TrackedRegistration?> RegisterModelAsync(string runId, string runDirectory, int localVersion, bool promotedToChampion, CancellationToken cancellationToken);

    Task EndRunAsync(string runId, string runDirectory, bool succeeded, CancellationToken cancellationToken);
}
