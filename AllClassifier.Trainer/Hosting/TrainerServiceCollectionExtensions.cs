using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Tracking;
using AllClassifier.Trainer.Worker;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The trainer's one composition. Every command line command and the <c>worker</c> host are built from it, so every
/// way of running the pipeline has the same services: MLflow tracking when <c>MLFLOW_TRACKING_URI</c> is set, the
/// shared settings, the registry and feedback paths, the pipeline's tasks.
/// </summary>
public static class TrainerServiceCollectionExtensions
{
    /// <exception cref="InvalidOperationException"><c>MLFLOW_TRACKING_URI</c> is set but not an http(s) URL.</exception>
    public static IServiceCollection AddTrainer(this IServiceCollection services, IConfiguration configuration)
    {
        if (!MlflowTrackingOptions.TryFromConfiguration(configuration, out var tracking, out var trackingError))
        {
            throw new InvalidOperationException(trackingError);
        }

        services.AddOptions<WorkerOptions>()
            .Bind(configuration)
            .Validate(o => o.FeedbackThreshold > 0 && o.PokeIntervalSeconds > 0, "FB_THRESH and FB_POKE_INTERVAL_SECONDS must be positive.")
            .Validate(o => o.BackoffSeconds > 0 && o.MaxBackoffSeconds >= o.BackoffSeconds,
                "RETRAIN_BACKOFF_SECONDS must be positive and RETRAIN_BACKOFF_MAX_SECONDS at least as large.")
            .Validate(o => o.ChallengersToKeep > 0, "REGISTRY_KEEP_CHALLENGERS must be at least 1: the newest version holds the feedback high-water mark.")
            .ValidateOnStart();
        // Before the pipeline: its tracker that records nothing is only the fallback.
        return services.AddMlflowTracking(tracking).AddTrainerPipeline();
    }
}
