using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AllClassifier.Trainer.Worker;

public static class WorkerServiceExtensions
{
    public const string HealthCheckName = "retraining-worker";

    /// <summary>The retraining worker: the trainer (<c>AddTrainer</c>) plus the loop, its status and health check.</summary>
    public static IHostApplicationBuilder AddRetrainingWorker(this IHostApplicationBuilder builder)
    {
        // The same composition as every command line command: MLflow tracking, settings, pipeline.
        builder.Services.AddTrainer(builder.Configuration);
        builder.Services.AddOptions<WorkerAdminOptions>().BindConfiguration(WorkerAdminOptions.SectionName);
        builder.Services.AddSingleton<WorkerStatus>();
        builder.Services.AddSingleton<RunRequests>();
        builder.Services.AddHealthChecks().AddCheck<WorkerHealthCheck>(HealthCheckName);
        builder.Services.AddHostedService<RetrainingWorker>();
        return builder;
    }
}
