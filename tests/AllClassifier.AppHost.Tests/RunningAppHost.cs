using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace AllClassifier.AppHost.Tests;

/// <summary>
/// The whole app host, started once for the tests that share it: the API, the web app, the trainer worker and,
/// where the <c>prometheus</c> binary is installed, Prometheus — without containers, with ports chosen at random
/// and all state in a temporary data root, so the trainer starts from an empty registry and bootstraps a model.
/// The secrets are given, so nothing is generated into the user secrets store.
/// </summary>
public sealed class RunningAppHost : IAsyncLifetime
{
    public const string ApiKey = "apphost-test-api-key-7d2c91";
    public const string AdminPassword = "Apphost-admin-password-1";

    private static readonly TimeSpan StartDeadline = TimeSpan.FromMinutes(3);

    public string DataRoot { get; } = Directory.CreateTempSubdirectory("allclassifier-apphost-").FullName;

    public DistributedApplication App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartDeadline);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AllClassifier_AppHost>(
            [
                $"AllClassifier:DataRoot={DataRoot}",
                "AllClassifier:Containers=never",
                $"Parameters:api-key={ApiKey}",
                $"Parameters:first-admin-password={AdminPassword}",
            ],
            timeout.Token);

        App = await builder.BuildAsync(timeout.Token);
        await App.StartAsync(timeout.Token);
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        Directory.Delete(DataRoot, recursive: true);
    }

    public bool HasResource(string name) =>
        App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Any(r => r.Name == name);
}

[CollectionDefinition(Name)]
public sealed class RunningAppHostCollection : ICollectionFixture<RunningAppHost>
{
    public const string Name = "Running app host";
}
