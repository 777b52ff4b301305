using AllClassifier.Trainer.Tracking;

namespace Microsoft.Extensions.DependencyInjection;

public static class TrackingServiceCollectionExtensions
{
    /// <summary>
    /// Reports pipeline runs to MLflow when <paramref name="options"/> is given (see
    /// <see cref="MlflowTrackingOptions.TryFromConfiguration"/>); call before <c>AddTrainerPipeline</c>, whose
    /// tracker that records nothing is only the fallback.
    /// </summary>
    public static IServiceCollection AddMlflowTracking(this IServiceCollection services, MlflowTrackingOptions? options)
    {
        if (options is null)
        {
            return services;
        }

        services.AddSingleton(options);
        services.AddMlflowClient(options.TrackingUri);
        services.AddSingleton<IExperimentTracker, MlflowExperimentTracker>();
        return services;
    }
}
