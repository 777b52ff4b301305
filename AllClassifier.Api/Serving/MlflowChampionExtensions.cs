using AllClassifier.Mlflow;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Serving;

public static class MlflowChampionExtensions
{
    /// <summary>
    /// Lets the API serve MLflow's champion when <c>ModelServing:Mlflow:FollowChampion</c> is true: the served
    /// registry becomes the MLflow cache directory, kept in step by <see cref="MlflowChampionFollower"/>, and the
    /// <c>mlflow</c> health check reports whether MLflow is being followed. Off, nothing contacts MLflow.
    /// </summary>
    public static IHostApplicationBuilder AddMlflowChampionFollowing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MlflowChampionOptions>()
            .BindConfiguration(MlflowChampionOptions.SectionName)
            .Validate(o => !o.FollowChampion || o.TrackingUri is { IsAbsoluteUri: true },
                $"{MlflowChampionOptions.SectionName}:FollowChampion needs the absolute URL " +
                $"{MlflowChampionOptions.SectionName}:TrackingUri (MLFLOW_TRACKING_URI).")
            .Validate(o => o.PollInterval > TimeSpan.Zero, "The MLflow poll interval must be positive.")
            .Validate(o => o.MaxDownloadBytes > 0, "The MLflow download limit must be positive.")
            .ValidateOnStart();

        builder.Services.AddOptions<ModelServingOptions>()
            .PostConfigure<IOptions<MlflowChampionOptions>>((serving, mlflow) =>
            {
                if (mlflow.Value.FollowChampion)
                {
                    serving.RegistryDirectory = mlflow.Value.CacheDirectory;
                }
            });

        builder.Services.AddMlflowClient(services => services.GetRequiredService<IOptions<MlflowChampionOptions>>().Value.TrackingUri
            ?? throw new InvalidOperationException("MLflow is not configured."));
        builder.Services.AddSingleton<MlflowRegistryMirror>();
        builder.Services.AddSingleton<MlflowFollowStatus>();
        builder.Services.AddHostedService<MlflowChampionFollower>();
        builder.Services.AddHealthChecks().AddCheck<MlflowChampionHealthCheck>("mlflow");
        return builder;
    }
}
