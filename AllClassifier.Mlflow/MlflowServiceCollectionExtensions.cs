using AllClassifier.Mlflow;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>How hosts (trainer, API) register the MLflow client: one place for the timeouts and retry policy.</summary>
public static class MlflowServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="MlflowClient"/> as a typed client of <paramref name="trackingUri"/> with the standard
    /// resilience handler: retries with exponential backoff and jitter on 5xx, 408, 429, connection errors and
    /// attempt timeouts; 4xx answers are MLflow's verdict and are not retried. Attempt timeouts are long because
    /// artifact uploads carry the model file. Any resilience handler added for all clients (e.g. by service
    /// defaults) is replaced here rather than stacked.
    /// </summary>
    public static IHttpClientBuilder AddMlflowClient(
        this IServiceCollection services,
        Uri trackingUri,
        Action<HttpStandardResilienceOptions>? configureResilience = null)
    {
        ArgumentNullException.ThrowIfNull(trackingUri);
        return services.AddMlflowClient(_ => trackingUri, configureResilience);
    }

    /// <summary>As above, with the tracking URI resolved when the client is first created (e.g. from options).</summary>
    public static IHttpClientBuilder AddMlflowClient(
        this IServiceCollection services,
        Func<IServiceProvider, Uri> trackingUri,
        Action<HttpStandardResilienceOptions>? configureResilience = null)
    {
        services.TryAddSingleton(TimeProvider.System);
        var builder = services.AddHttpClient<MlflowClient>((serviceProvider, client) =>
        {
            client.BaseAddress = trackingUri(serviceProvider);
            // The resilience pipeline owns timeouts (per attempt and in total).
            client.Timeout = Timeout.InfiniteTimeSpan;
        });
#pragma warning disable EXTEXP0001 // Removing inherited handlers is the documented way to replace them for one client.
        builder.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.AddStandardResilienceHandler(options =>
        {
            options.Retry.MaxRetryAttempts = 4;
            options.Retry.Delay = TimeSpan.FromSeconds(1);
            options.Retry.BackoffType = Polly.DelayBackoffType.Exponential;
            options.Retry.UseJitter = true;
            options.AttemptTimeout.Timeout = TimeSpan.FromMinutes(2);
            options.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(10);
            options.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(4);
            configureResilience?.Invoke(options);
        });
        return builder;
    }
}
