using AllClassifier.Trainer.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AllClassifier.Trainer.Worker;

public static class WorkerServiceExtensions
{
    public const string HealthCheckName = "retraining-worker";

    /// <summary>The retraining worker with its pipeline, options (environment variables) and health check.</summary>
    public static IHostApplicationBuilder AddRetrainingWorker(this IHostApplicationBuilder builder)
    {
        builder.Services.AddTrainerPipeline();
        builder.Services.AddOptions<WorkerOptions>()
            .Bind(builder.Configuration)
            .Validate(o => o.FeedbackThreshold > 0 && o.PokeIntervalSeconds > 0, "FB_THRESH and FB_POKE_INTERVAL_SECONDS must be positive.")
            .Validate(o => o.BackoffSeconds > 0 && o.MaxBackoffSeconds >= o.BackoffSeconds,
                "RETRAIN_BACKOFF_SECONDS must be positive and RETRAIN_BACKOFF_MAX_SECONDS at least as large.")
            .Validate(o => o.ChallengersToKeep > 0, "REGISTRY_KEEP_CHALLENGERS must be at least 1: the newest version holds the feedback high-water mark.")
            .ValidateOnStart();
        builder.Services.AddOptions<WorkerAdminOptions>().BindConfiguration(WorkerAdminOptions.SectionName);
        builder.Services.AddSingleton<WorkerStatus>();
        builder.Services.AddSingleton<RunRequests>();
        builder.Services.AddHealthChecks().AddCheck<WorkerHealthCheck>(HealthCheckName);
        builder.Services.AddHostedService<RetrainingWorker>();
        return builder;
    }
}
