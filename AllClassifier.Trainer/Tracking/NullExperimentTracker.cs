namespace AllClassifier.Trainer.Tracking;

/// <summary>The tracker used when no tracking server is configured (MLFLOW_TRACKING_URI unset): records nothing.</summary>
public sealed class NullExperimentTracker : IExperimentTracker
{
    public Task StartRunAsync(string runId, string runDirectory, IReadOnlyDictionary<string, string> parameters, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public Task LogMetricsAsync(string runId, string runDirectory, IReadOnlyList<TrackedMetric> metrics, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public Task LogArtifactsAsync(string runId, string runDirectory, IReadOnlyList<TrackedArtifact> artifacts, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public Task<TrackedRegistration?> RegisterModelAsync(string runId, string runDirectory, int localVersion, bool promotedToChampion, CancellationToken cancellationToken) =>
        Task.FromResult<TrackedRegistration?>(null);

    public Task EndRunAsync(string runId, string runDirectory, bool succeeded, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}
