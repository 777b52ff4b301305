using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using AllClassifier.AppHost.Extensions;
using AllClassifier.Model;
using AllClassifier.Model.Registry;
using AllClassifier.Training.Heads;
using AllClassifier.Training.Onnx;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AllClassifier.AppHost.Tests;

/// <summary>
/// <c>AllClassifier:BackendReplicas=2</c>: the web app reaches both backend processes by service discovery, and a
/// version promoted through the API is served by both. The registry is given two versions before the start and the
/// trainer and Prometheus are left out, so nothing but the backends and the web app runs.
/// </summary>
public sealed class BackendReplicasTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string ApiKey = "apphost-replicas-api-key-51c";
    private const string AdminPassword = "Apphost-replicas-password-1";
    private const int Concurrency = 8;
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(4);

    private readonly string _dataRoot = Directory.CreateTempSubdirectory("allclassifier-apphost-replicas-").FullName;
    private DistributedApplication _app = null!;

    public async Task InitializeAsync()
    {
        var registry = new LocalModelRegistry(Path.Combine(_dataRoot, "registry"));
        var model = ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), SeededHead());
        // The key the app host would have generated, made here so the versions can be signed with it first.
        var keyPath = Path.Combine(_dataRoot, ModelSigningExtensions.KeyFile);
        Directory.CreateDirectory(Path.GetDirectoryName(keyPath)!);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        void Sign(string folder) => ModelSignature.Sign(folder, key);
        registry.SetAlias(registry.Register(model, Card, seal: Sign).Version);
        registry.Register(model, Card, seal: Sign);

        using var timeout = new CancellationTokenSource(Deadline);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AllClassifier_AppHost>(
            [
                $"AllClassifier:DataRoot={_dataRoot}",
                "AllClassifier:Containers=never",
                $"{BackendReplicas.ConfigurationKey}=2",
                $"Parameters:{AccessExtensions.ApiKeyParameter}={ApiKey}",
                $"Parameters:{AccessExtensions.FirstAdminPasswordParameter}={AdminPassword}",
            ],
            timeout.Token);
        foreach (var unneeded in builder.Resources.Where(r => r.Name is "trainer" or "prometheus").ToList())
        {
            builder.Resources.Remove(unneeded);
        }

        _app = await builder.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_dataRoot, recursive: true);
    }

    [Fact]
    public async Task Requests_through_the_web_app_reach_both_replicas_and_both_serve_a_version_promoted_through_the_dashboard_or_the_API()
    {
        using var timeout = new CancellationTokenSource(Deadline);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("web", timeout.Token);
        using var staff = await StaffSignIn.AdminAsync(_app.GetEndpoint("web", "http"), AdminPassword, timeout.Token);

        var before = await ServersOfVersionAsync(staff, version: 1, timeout.Token);
        output.WriteLine($"Version 1 served through the web app by {string.Join(", ", before)}");

        // The dashboard's "Promote challenger" from one replica's menu, without a version, promotes the newest
        // version (2, newer than the champion); the registry is shared, so both replicas serve it.
        var commands = _app.Services.GetRequiredService<ResourceCommandService>();
        var backendResource = _app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == "backend");
        var replica = await FirstReplicaIdAsync(backendResource, timeout.Token);
        var byCommand = await commands.ExecuteCommandAsync(replica, DashboardCommands.PromoteChallenger, timeout.Token);
        Assert.True(byCommand.Success, byCommand.Message);
        var after = await ServersOfVersionAsync(staff, version: 2, timeout.Token);
        output.WriteLine($"Version 2 served through the web app by {string.Join(", ", after)}");
        Assert.Equal(before.Order(), after.Order());

        // Again without a version: the champion is the newest, and "newest challenger" never means the one before.
        var again = await commands.ExecuteCommandAsync(replica, DashboardCommands.PromoteChallenger, timeout.Token);
        Assert.False(again.Success, again.Message);
        Assert.Contains("no_newer_challenger", again.Message);

        // A rollback names its version.
        using var backend = _app.CreateHttpClient("backend", "http");
        using var promote = new HttpRequestMessage(HttpMethod.Post, "model/versions/1/promote");
        promote.Headers.Add("X-Api-Key", ApiKey);
        using var promoted = await backend.SendAsync(promote, timeout.Token);
        Assert.True(promoted.IsSuccessStatusCode, $"Promotion answered {(int)promoted.StatusCode}");
        Assert.Equal(before.Order(), (await ServersOfVersionAsync(staff, version: 1, timeout.Token)).Order());

        // "Reload model" on the resource runs on every replica.
        var reloaded = await commands.ExecuteCommandAsync(backendResource, DashboardCommands.ReloadModel, timeout.Token);
        Assert.True(reloaded.Success, reloaded.Message);
    }

    /// <summary>The id of one replica of <paramref name="resource"/> (the dashboard lists each under its own id).</summary>
    private async Task<string> FirstReplicaIdAsync(IResource resource, CancellationToken cancellationToken)
    {
        await foreach (var update in _app.ResourceNotifications.WatchAsync(cancellationToken))
        {
            if (update.Resource == resource && update.ResourceId != resource.Name)
            {
                return update.ResourceId;
            }
        }

        throw new InvalidOperationException($"No replica of {resource.Name} was reported.");
    }

    /// <summary>
    /// Reads the model card through the web app's proxy, <see cref="Concurrency"/> requests at a time (each replica is
    /// reached over its own connections), until two distinct processes have answered with <paramref name="version"/>.
    /// </summary>
    private static async Task<IReadOnlyCollection<string>> ServersOfVersionAsync(HttpClient staff, int version, CancellationToken cancellationToken)
    {
        var servers = new HashSet<string>();
        while (servers.Count < 2)
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
            {
                using var response = await staff.GetAsync("api/model", cancellationToken);
                var servedBy = response.Headers.GetValues("X-Served-By").Single();
                if (response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable)
                {
                    return (Version: 0, ServedBy: servedBy); // this replica has not loaded a model yet
                }

                response.EnsureSuccessStatusCode();
                var card = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                return (Version: card.GetProperty("version").GetInt32(), ServedBy: servedBy);
            }));
            servers.UnionWith(answers.Where(a => a.Version == version).Select(a => a.ServedBy));
            if (servers.Count < 2)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            }
        }

        return servers;
    }

    private static ClassifierHead SeededHead()
    {
        var random = new Random(11);
        float[] Values(int n, double scale) => [.. Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * scale))];
        var mean = Values(512, 1.0).Select(Math.Abs).ToArray();
        var scale = Enumerable.Range(0, 512).Select(_ => (float)(0.5 + random.NextDouble())).ToArray();
        return new ClassifierHead(HeadKind.Softmax, mean, scale, [new DenseLayer(512, 4, Values(2048, 0.2), Values(4, 0.5))]);
    }

    private static ModelCard Card(int version) => new()
    {
        RunId = $"replicas-test-{version}",
        Metrics = EvaluationMetrics.FromPredictions([0, 1, 2, 3], [0, 1, 2, 3], meanLatencyMs: 50),
        TrainingDataHash = new string('b', 64),
        Parameters = new Dictionary<string, string> { ["classes"] = string.Join(",", CellClasses.Names) },
    };
}
