using AllClassifier.Model.Registry;
using AllClassifier.Model.Settings;

namespace AllClassifier.Trainer.Worker;

/// <summary>
/// The trainer's settings (section <c>Trainer</c>; the flat names of the original stack, <c>DATA_DIR</c>,
/// <c>WORK_DIR</c>, <c>MODEL_REGISTRY_DIR</c>, <c>FB_POKE_INTERVAL_SECONDS</c>, ..., are aliases of its keys). The
/// worker reads all of them; the command line falls back on them for options it was not given. Where the feedback is
/// and its threshold are <see cref="Feedback.FeedbackOptions"/>, the section the API reads too.
/// </summary>
public sealed class WorkerOptions
{
    public const string SectionName = "Trainer";

    /// <summary>Dataset root; synthetic data is generated when unset or empty.</summary>
    public string? DataDirectory { get; set; }

    public string RegistryDirectory { get; set; } = SharedSettings.DefaultRegistryDirectory;

    public string WorkDirectory { get; set; } = SharedSettings.DefaultWorkDirectory;

    /// <summary>How often the feedback sensor counts pending rows.</summary>
    public int PokeIntervalSeconds { get; set; } = 3600;

    /// <summary>How long one sensor wait lasts before the worker starts another.</summary>
    public int TimeoutSeconds { get; set; } = 86400;

    /// <summary>The pause after a failed or not-promoted run; it doubles with each such run in a row.</summary>
    public int BackoffSeconds { get; set; } = 600;

    /// <summary>The longest pause after failed or not-promoted runs.</summary>
    public int MaxBackoffSeconds { get; set; } = 6 * 3600;

    /// <summary>Registry versions kept besides the champion and the previous champion.</summary>
    public int ChallengersToKeep { get; set; } = LocalModelRegistry.DefaultChallengersToKeep;

    /// <summary>Images per class generated when there is no dataset.</summary>
    public int SyntheticPerClass { get; set; } = 60;

    public int SyntheticSeed { get; set; } = 7;
}
