using AllClassifier.Trainer.Sensor;
using Microsoft.Extensions.Configuration;

namespace AllClassifier.Trainer.Worker;

/// <summary>The worker's settings, bound from the environment variables shared with the other services.</summary>
public sealed class WorkerOptions
{
    /// <summary>Dataset root; synthetic data is generated when unset or empty.</summary>
    [ConfigurationKeyName("DATA_DIR")]
    public string? DataDirectory { get; set; }

    [ConfigurationKeyName("MODEL_REGISTRY_DIR")]
    public string RegistryDirectory { get; set; } = ".data/registry";

    [ConfigurationKeyName("FEEDBACK_DIR")]
    public string FeedbackDirectory { get; set; } = "/app/data";

    [ConfigurationKeyName("FB_THRESH")]
    public int FeedbackThreshold { get; set; } = SensorOptions.DefaultThreshold;

    [ConfigurationKeyName("WORK_DIR")]
    public string WorkDirectory { get; set; } = ".data/work";

    [ConfigurationKeyName("FB_POKE_INTERVAL_SECONDS")]
    public int PokeIntervalSeconds { get; set; } = 3600;

    [ConfigurationKeyName("FB_TIMEOUT_SECONDS")]
    public int TimeoutSeconds { get; set; } = 86400;

    /// <summary>Images per class generated when there is no dataset.</summary>
    [ConfigurationKeyName("SYNTHETIC_PER_CLASS")]
    public int SyntheticPerClass { get; set; } = 60;

    [ConfigurationKeyName("SYNTHETIC_SEED")]
    public int SyntheticSeed { get; set; } = 7;
}
