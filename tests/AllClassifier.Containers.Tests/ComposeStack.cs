using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Net.Http.Json;
using System.Text.Json;

namespace AllClassifier.Containers.Tests;

/// <summary>
/// deploy/docker-compose.yml under podman-compose, without MLflow and Grafana (their images cannot be had
/// without the public registries): builds the images with scripts/containers.sh, starts backend, web,
/// Prometheus and the node exporter, then runs the trainer once (not tracking to MLflow) until it has
/// bootstrapped the first model into the shared registry.
/// </summary>
public sealed class ComposeStack : IAsyncLifetime
{
    public const string ProjectName = "allclassifier-smoke";
    public const string ApiKey = "containers-smoke-test-key-0123456789abcdef";
    public const string AdminPassword = "Containers-smoke-admin-1";
    // Free loopback ports, published through the compose file's port variables, so the stack runs beside anything
    // that holds its default ports.
    private static readonly int BackendPort = FreeLoopbackPort();
    private static readonly int WebPort = FreeLoopbackPort();
    private static readonly int PrometheusPort = FreeLoopbackPort();

    public static string BackendUrl { get; } = $"http://127.0.0.1:{BackendPort}";
    public static string WebUrl { get; } = $"http://127.0.0.1:{WebPort}";
    public static string PrometheusUrl { get; } = $"http://127.0.0.1:{PrometheusPort}";

    /// <summary>The services started here; MLflow and Grafana are left out, the trainer runs on its own.</summary>
    public static readonly string[] Services = ["backend", "web", "prometheus", "node-exporter"];

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(40);
    private static readonly TimeSpan ComposeTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan StartDeadline = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan BootstrapDeadline = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private static readonly Dictionary<string, string> ComposeEnvironment = new()
    {
        ["ALLCLASSIFIER_API_KEY"] = ApiKey,
        ["ALLCLASSIFIER_METRICS_KEY"] = "containers-smoke-metrics-scrape-key",
        ["ALLCLASSIFIER_ADMIN_PASSWORD"] = AdminPassword,
        // Required by the compose file's interpolation even though Grafana is not started here.
        ["GRAFANA_ADMIN_PASSWORD"] = "containers-smoke-grafana-password",
        ["BACKEND_PORT"] = BackendPort.ToString(CultureInfo.InvariantCulture),
        ["WEB_PORT"] = WebPort.ToString(CultureInfo.InvariantCulture),
        ["WEB_ADDRESS"] = "127.0.0.1",
        ["PROMETHEUS_PORT"] = PrometheusPort.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Why the stack cannot run on this machine; null when it runs.</summary>
    public string? SkipReason { get; private set; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static string ContainerName(string service) => $"{ProjectName}_{service}_1";

    public async Task InitializeAsync()
    {
        SkipReason = await Podman.WhyUnusableAsync();
        if (SkipReason is not null)
        {
            return;
        }

        // Rebuilds the project's images from their Dockerfiles; unchanged layers come from the cache.
        var build = await CommandLine.RunAsync("bash", ["scripts/containers.sh", "--rebuild"], BuildTimeout);
        Assert.True(build.Succeeded, $"scripts/containers.sh failed:\n{build.Output}");

        await ComposeAsync("down", "--volumes");
        await UpAsync();

        await ComposeAsync("run", "-d", "--no-deps", "--name", ContainerName("trainer"), "-e", "MLFLOW_TRACKING_URI=", "trainer");
        await PollUntilAsync(
            async () => (await Http.GetAsync($"{BackendUrl}/model")).IsSuccessStatusCode,
            BootstrapDeadline,
            "the backend to serve the trainer's bootstrap model");
    }

    public async Task DisposeAsync()
    {
        if (SkipReason is null)
        {
            await CommandLine.RunAsync("podman-compose", ComposeArguments("down", "--volumes"), ComposeTimeout, ComposeEnvironment);
        }

        Http.Dispose();
    }

    public async Task UpAsync()
    {
        // podman-compose exits 0 even when a container fails to start: readiness is what tells.
        await ComposeAsync(["up", "-d", "--no-build", .. Services]);
        try
        {
            await PollUntilAsync(
                async () => (await Http.GetAsync($"{BackendUrl}/ping")).IsSuccessStatusCode
                    && (await Http.GetAsync($"{WebUrl}/health")).IsSuccessStatusCode,
                StartDeadline,
                "backend /ping and web /health");
        }
        catch (TimeoutException exception)
        {
            var containers = await Podman.RunAsync("ps", "-a", "--filter", $"label=io.podman.compose.project={ProjectName}");
            var webLog = await Podman.RunAsync("logs", "--tail", "30", ContainerName("web"));
            throw new TimeoutException($"{exception.Message}\n{containers.Output}\nweb:\n{webLog.Output}", exception);
        }
    }

    public Task DownAsync() => ComposeAsync("down");

    public async Task<long> FeedbackCountAsync()
    {
        using var count = await Http.GetFromJsonAsync<JsonDocument>($"{BackendUrl}/feedback/count");
        return count!.RootElement.GetProperty("feedback_count").GetInt64();
    }

    public static async Task PollUntilAsync(Func<Task<bool>> condition, TimeSpan deadline, string what)
    {
        var expires = DateTime.UtcNow + deadline;
        Exception? last = null;
        while (DateTime.UtcNow < expires)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException exception)
            {
                last = exception; // not listening yet
            }
            catch (TaskCanceledException exception)
            {
                last = exception;
            }

            await Task.Delay(PollInterval);
        }

        throw new TimeoutException($"Waited {deadline} for {what}. Last error: {last?.Message ?? "none"}");
    }

    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private async Task ComposeAsync(params string[] arguments)
    {
        var result = await CommandLine.RunAsync("podman-compose", ComposeArguments(arguments), ComposeTimeout, ComposeEnvironment);
        Assert.True(result.Succeeded, $"podman-compose {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.Output}");
    }

    private static string[] ComposeArguments(params string[] arguments) =>
        ["-p", ProjectName, "-f", "deploy/docker-compose.yml", .. arguments];
}
