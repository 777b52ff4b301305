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
        builder.Services.AddOptions<WorkerOptions>().Bind(builder.Configuration);
        builder.Services.AddSingleton<WorkerStatus>();
        builder.Services.AddHealthChecks().AddCheck<WorkerHealthCheck>(HealthCheckName);
        builder.Services.AddHostedService<RetrainingWorker>();
        return builder;
    }
}
