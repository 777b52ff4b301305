using AllClassifier.Mlflow;
using Microsoft.Extensions.DependencyInjection;

namespace AllClassifier.Tests.Mlflow;

/// <summary>Builds <see cref="MlflowClient"/>s the way hosts do (<see cref="MlflowServiceCollectionExtensions.AddMlflowClient"/>), with instant retries.</summary>
public static class MlflowTestClients
{
    public static (MlflowClient Client, ServiceProvider Services) Create(Uri trackingUri, int maxRetryAttempts = 3)
    {
        var services = new ServiceCollection();
        services.AddMlflowClient(trackingUri, resilience =>
        {
            resilience.Retry.Delay = TimeSpan.FromMilliseconds(1);
            resilience.Retry.MaxRetryAttempts = maxRetryAttempts;
            resilience.Retry.UseJitter = false;
        });
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<MlflowClient>(), provider);
    }
}
