using System.Diagnostics;
using System.Net;
using AllClassifier.Training.Heads;
using AllClassifier.Training.Onnx;
using AllClassifier.Model.Registry;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using AllClassifier.Tests.Signing;

namespace AllClassifier.Monitoring.Tests.Api;

/// <summary>
/// The real API on a free loopback port (Kestrel, not the in-memory test server, so Prometheus can scrape it),
/// serving a real ONNX model (ResNet18 backbone and a seeded random head) from a temporary registry.
/// </summary>
public sealed class RunningApi : IAsyncDisposable
{
    private static readonly TimeSpan ModelLoadDeadline = TimeSpan.FromSeconds(60);
    private readonly WebApplicationFactory<Program> factory;
    private readonly string directory;

    private RunningApi(WebApplicationFactory<Program> factory, string directory)
    {
        this.factory = factory;
        this.directory = directory;
        Http = factory.CreateClient();
    }

    public HttpClient Http { get; }

    /// <summary><c>127.0.0.1:port</c>, as a Prometheus target.</summary>
    public string HostAndPort => $"{Http.BaseAddress!.Host}:{Http.BaseAddress.Port}";

    public static async Task<RunningApi> StartAsync(CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("allclassifier-monitoring-api-").FullName;
        var registryDirectory = Path.Combine(directory, "registry");
        var feedbackDirectory = Path.Combine(directory, "feedback");
        Directory.CreateDirectory(feedbackDirectory);
        RegisterChampion(registryDirectory);

        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseEnvironment("Production")
            .UseSetting("MODEL_REGISTRY_DIR", registryDirectory)
            .UseSetting("FEEDBACK_DIR", feedbackDirectory)
            .UseSetting(TestSigningKey.PublicKeySetting, TestSigningKey.PublicKey));
        factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        factory.StartServer();

        var api = new RunningApi(factory, directory);
        try
        {
            await api.WaitForModelAsync(cancellationToken);
            return api;
        }
        catch
        {
            await api.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await factory.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    private static void RegisterChampion(string registryDirectory)
    {
        var model = ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), SeededHead(seed: 11));
        var registry = new LocalModelRegistry(registryDirectory);
        var registered = registry.Register(model, version => new ModelCard
        {
            Version = version,
            RunId = "monitoring-test",
            Created = DateTimeOffset.UnixEpoch,
            Metrics = new EvaluationMetrics(),
            TrainingDataHash = "none",
        }, seal: TestSigningKey.Sign);
        registry.SetAlias(registered.Version);
    }

    private static ClassifierHead SeededHead(int seed)
    {
        var random = new Random(seed);
        float[] Values(int count, double scale) =>
            Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() - 0.5) * scale)).ToArray();
        var mean = Values(ClassifierModelComposer.FeatureCount, 1.0);
        var scale = Enumerable.Repeat(1f, ClassifierModelComposer.FeatureCount).ToArray();
        return new ClassifierHead(HeadKind.Softmax, mean, scale,
            [new DenseLayer(ClassifierModelComposer.FeatureCount, 4, Values(ClassifierModelComposer.FeatureCount * 4, 0.2), Values(4, 0.5))]);
    }

    // The champion loads in the background; /model answers 200 once it is served.
    private async Task WaitForModelAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var last = HttpStatusCode.ServiceUnavailable;
        while (clock.Elapsed < ModelLoadDeadline)
        {
            using var response = await Http.GetAsync("model", cancellationToken);
            last = response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }

        throw new TimeoutException($"The API did not serve its model within {ModelLoadDeadline.TotalSeconds} s (last /model answer {(int)last}).");
    }
}
