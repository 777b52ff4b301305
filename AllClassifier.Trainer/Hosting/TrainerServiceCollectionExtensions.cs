using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Signing;
using AllClassifier.Trainer.Tracking;
using AllClassifier.Trainer.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The trainer's one composition. Every command line command and the <c>worker</c> host are built from it, so every
/// way of running the pipeline has the same services: MLflow tracking when <c>Trainer:Mlflow:TrackingUri</c>
/// (<c>MLFLOW_TRACKING_URI</c>) is set, the trainer's and the feedback options, the pipeline's tasks.
/// </summary>
public static class TrainerServiceCollectionExtensions
{
    /// <param name="services">The services; an <see cref="IConfiguration"/> registered already (a host's) is kept.</param>
    /// <param name="configuration">The configuration the options bind; its flat names are added where missing.</param>
    /// <exception cref="InvalidOperationException"><c>MLFLOW_TRACKING_URI</c> is set but not an http(s) URL.</exception>
    public static IServiceCollection AddTrainer(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.WithSettingAliases();
        if (!MlflowTrackingOptions.TryFromConfiguration(settings, out var tracking, out var trackingError))
        {
            throw new InvalidOperationException(trackingError);
        }

        // The command line builds no host, so nothing else registers the configuration the options bind.
        services.TryAddSingleton(settings);
        services.AddOptions<WorkerOptions>()
            .BindConfiguration(WorkerOptions.SectionName)
            .Validate(o => o.PokeIntervalSeconds > 0 && o.TimeoutSeconds >= 0,
                "Trainer:PokeIntervalSeconds (FB_POKE_INTERVAL_SECONDS) must be positive and Trainer:TimeoutSeconds " +
                "(FB_TIMEOUT_SECONDS) not negative.")
            .Validate(o => o.BackoffSeconds > 0 && o.MaxBackoffSeconds >= o.BackoffSeconds,
                "Trainer:BackoffSeconds (RETRAIN_BACKOFF_SECONDS) must be positive and Trainer:MaxBackoffSeconds " +
                "(RETRAIN_BACKOFF_MAX_SECONDS) at least as large.")
            .Validate(o => o.ChallengersToKeep > 0,
                "Trainer:ChallengersToKeep (REGISTRY_KEEP_CHALLENGERS) must be at least 1: the newest version holds the " +
                "feedback high-water mark.")
            .Validate(o => o.SyntheticPerClass > 0, "Trainer:SyntheticPerClass (SYNTHETIC_PER_CLASS) must be positive.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.RegistryDirectory) && !string.IsNullOrWhiteSpace(o.WorkDirectory),
                "Trainer:RegistryDirectory (MODEL_REGISTRY_DIR) and Trainer:WorkDirectory (WORK_DIR) must name folders.")
            .ValidateOnStart();
        services.AddFeedbackOptions();
        services.AddOptions<ModelSigningKeyOptions>()
            .BindConfiguration(ModelSigningKeyOptions.SectionName)
            .Validate(
                o => o.PrivateKey is not { Length: > 0 } || o.PrivateKeyPath is not { Length: > 0 },
                "Set ModelSigning:PrivateKey or ModelSigning:PrivateKeyPath, not both.")
            .Validate(KeyReadable, "ModelSigning: the private key must be an ECDSA P-256 private key (PEM or base64 PKCS#8) in a readable file.")
            .ValidateOnStart();
        services.AddSingleton<ModelVersionSigner>();
        // Before the pipeline: its tracker that records nothing is only the fallback.
        return services.AddMlflowTracking(tracking).AddTrainerPipeline();
    }

    private static bool KeyReadable(ModelSigningKeyOptions options)
    {
        try
        {
            using var key = ModelVersionSigner.Load(options);
            return true;
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException or ArgumentException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
