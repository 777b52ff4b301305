namespace AllClassifier.ServiceDefaults.Configuration;

/// <summary>A flat name the original stack used for a setting, and the section keys its value sets.</summary>
/// <param name="Name">The configuration key as set, e.g. <c>FB_THRESH</c> (an environment variable of that name).</param>
/// <param name="Keys">
/// The section keys it stands for. More than one where services keep the same value in their own options: the API
/// serves from <c>ModelServing:RegistryDirectory</c>, the trainer writes to <c>Trainer:RegistryDirectory</c>.
/// </param>
public sealed record SettingAlias(string Name, IReadOnlyList<string> Keys);

/// <summary>
/// The one table of the flat names (the LLD's environment variables, which the app host, the compose file and the
/// azd templates set) and the section keys the options bind. Every service adds it as a configuration source
/// (<c>AddSettingAliases</c>), so options are bound only from their sections and never read a flat name themselves.
/// Precedence: a value comes from the source with the highest precedence that sets the flat name or a key it stands
/// for (the command line over environment variables over <c>appsettings.json</c>); where one source sets both, the
/// section key wins, being the more specific.
/// </summary>
public static class SettingAliases
{
    public static IReadOnlyList<SettingAlias> All { get; } =
    [
        new("BACKEND_URL", ["Backend:Url"]),
        new("FEEDBACK_DIR", ["Feedback:Directory"]),
        new("ConnectionStrings:feedback", ["Feedback:ConnectionString"]),
        new("FB_THRESH", ["Feedback:Threshold"]),
        new("FEEDBACK_RETENTION_DAYS", ["Feedback:RetentionDays"]),
        new("AUDIT_RETENTION_DAYS", ["Audit:RetentionDays"]),
        new("MODEL_REGISTRY_DIR", ["ModelServing:RegistryDirectory", "Trainer:RegistryDirectory"]),
        new("MLFLOW_TRACKING_URI", ["ModelServing:Mlflow:TrackingUri", "Trainer:Mlflow:TrackingUri"]),
        new("GIT_COMMIT", ["Trainer:Mlflow:SourceCommit"]),
        new("DATA_DIR", ["Trainer:DataDirectory"]),
        new("WORK_DIR", ["Trainer:WorkDirectory"]),
        new("FB_POKE_INTERVAL_SECONDS", ["Trainer:PokeIntervalSeconds"]),
        new("FB_TIMEOUT_SECONDS", ["Trainer:TimeoutSeconds"]),
        new("RETRAIN_BACKOFF_SECONDS", ["Trainer:BackoffSeconds"]),
        new("RETRAIN_BACKOFF_MAX_SECONDS", ["Trainer:MaxBackoffSeconds"]),
        new("REGISTRY_KEEP_CHALLENGERS", ["Trainer:ChallengersToKeep"]),
        new("SYNTHETIC_PER_CLASS", ["Trainer:SyntheticPerClass"]),
        new("SYNTHETIC_SEED", ["Trainer:SyntheticSeed"]),
    ];

    /// <summary>The flat names that stand for <paramref name="key"/> (case-insensitive, as configuration keys are).</summary>
    public static IEnumerable<string> NamesOf(string key) =>
        All.Where(alias => alias.Keys.Contains(key, StringComparer.OrdinalIgnoreCase)).Select(alias => alias.Name);
}
