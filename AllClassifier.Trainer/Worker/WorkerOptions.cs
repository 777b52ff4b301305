using AllClassifier.Feedback;
using AllClassifier.Model.Registry;
using AllClassifier.Model.Settings;
using AllClassifier.Trainer.Retraining;
using Microsoft.Extensions.Configuration;

namespace AllClassifier.Trainer.Worker;

/// <summary>
/// The trainer's settings, bound from configuration under the names shared with the other services
/// (<see cref="SharedSettings"/>); the worker reads all of them, the command line falls back on them for options
/// it was not given.
/// </summary>
public sealed class WorkerOptions
{
    /// <summary>Dataset root; synthetic data is generated when unset or empty.</summary>
    [ConfigurationKeyName(SharedSettings.DataDirectory)]
    public string? DataDirectory { get; set; }

    [ConfigurationKeyName(SharedSettings.RegistryDirectory)]
    public string RegistryDirectory { get; set; } = SharedSettings.DefaultRegistryDirectory;

    [ConfigurationKeyName(SharedSettings.FeedbackDirectory)]
    public string FeedbackDirectory { get; set; } = SharedSettings.DefaultFeedbackDirectory;

    /// <summary>The PostgreSQL feedback table (<c>ConnectionStrings__feedback</c>); unset, the SQLite file under <see cref="FeedbackDirectory"/> is read.</summary>
    [ConfigurationKeyName("ConnectionStrings:" + FeedbackTable.ConnectionName)]
    public string? FeedbackConnectionString { get; set; }

    [ConfigurationKeyName(SharedSettings.FeedbackThreshold)]
    public int FeedbackThreshold { get; set; } = SharedSettings.DefaultFeedbackThreshold;

    [ConfigurationKeyName(SharedSettings.WorkDirectory)]
    public string WorkDirectory { get; set; } = SharedSettings.DefaultWorkDirectory;

    [ConfigurationKeyName("FB_POKE_INTERVAL_SECONDS")]
    public int PokeIntervalSeconds { get; set; } = 3600;

    [ConfigurationKeyName("FB_TIMEOUT_SECONDS")]
    public int TimeoutSeconds { get; set; } = 86400;

    /// <summary>The pause after a failed or not-promoted run; it doubles with each such run in a row.</summary>
    [ConfigurationKeyName("RETRAIN_BACKOFF_SECONDS")]
    public int BackoffSeconds { get; set; } = 600;

    /// <summary>The longest pause after failed or not-promoted runs.</summary>
    [ConfigurationKeyName("RETRAIN_BACKOFF_MAX_SECONDS")]
    public int MaxBackoffSeconds { get; set; } = 6 * 3600;

    /// <summary>Registry versions kept besides the champion and the previous champion.</summary>
    [ConfigurationKeyName("REGISTRY_KEEP_CHALLENGERS")]
    public int ChallengersToKeep { get; set; } = LocalModelRegistry.DefaultChallengersToKeep;

    /// <summary>Images per class generated when there is no dataset.</summary>
    [ConfigurationKeyName("SYNTHETIC_PER_CLASS")]
    public int SyntheticPerClass { get; set; } = 60;

    [ConfigurationKeyName("SYNTHETIC_SEED")]
    public int SyntheticSeed { get; set; } = 7;
}
