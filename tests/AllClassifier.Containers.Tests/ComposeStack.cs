using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace AllClassifier.Containers.Tests;

/// <summary>
/// deploy/docker-compose.yml under podman-compose, without MLflow and Grafana (their images cannot be had
/// without the public registries): builds the images with scripts/containers.sh, starts backend, web, the TLS
/// proxy, Prometheus and the node exporter, then runs the trainer once (not tracking to MLflow) until it has
/// bootstrapped the first model into the shared registry. The web app is reached as a browser reaches it: through
/// the proxy, by its host name, trusting only the certificate authority the proxy made for itself.
/// </summary>
public sealed class ComposeStack : IAsyncLifetime
{
    public const string ProjectName = "allclassifier-smoke";
    public const string ApiKey = "containers-smoke-test-key-0123456789abcdef";
    public const string AdminPassword = "Containers-smoke-admin-1";
    // Free loopback ports, published through the compose file's port variables, so the stack runs beside anything
    // that holds its default ports.
    private static readonly int BackendPort = FreeLoopbackPort();
    private static readonly int HttpsPort = FreeLoopbackPort();
    private static readonly int HttpPort = FreeLoopbackPort();
    private static readonly int PrometheusPort = FreeLoopbackPort();

    /// <summary>The name the proxy's certificate is made for; the test clients resolve it to 127.0.0.1.</summary>
    public const string HostName = "allclassifier.test";

    /// <summary>Where Caddy keeps the root of its own certificate authority (the proxy-data volume).</summary>
    private const string ProxyRootCertificate = "/var/lib/proxy/data/caddy/pki/authorities/local/root.crt";

    public static string BackendUrl { get; } = $"http://127.0.0.1:{BackendPort}";
    public static string WebUrl { get; } = $"https://{HostName}:{HttpsPort}";
    public static string PlainHttpUrl { get; } = $"http://{HostName}:{HttpPort}";
    public static string PrometheusUrl { get; } = $"http://127.0.0.1:{PrometheusPort}";

    /// <summary>The services started here; MLflow and Grafana are left out, the trainer runs on its own.</summary>
    public static readonly string[] Services = ["backend", "web", "proxy", "prometheus", "node-exporter"];

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(40);
    private static readonly TimeSpan ComposeTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan StartDeadline = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan BootstrapDeadline = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    // The trainer signs its bootstrap model with a key made for this run; the backend trusts only that key.
    private static readonly System.Security.Cryptography.ECDsa SigningKey =
        System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);

    private static readonly Dictionary<string, string> ComposeEnvironment = new()
    {
        ["ALLCLASSIFIER_API_KEY"] = ApiKey,
        ["ALLCLASSIFIER_MODEL_SIGNING_KEY"] = SigningKey.ExportPkcs8PrivateKeyPem(),
        ["ALLCLASSIFIER_MODEL_SIGNING_PUBLIC_KEY"] = Convert.ToBase64String(SigningKey.ExportSubjectPublicKeyInfo()),
        ["ALLCLASSIFIER_METRICS_KEY"] = "containers-smoke-metrics-scrape-key",
        ["ALLCLASSIFIER_ADMIN_PASSWORD"] = AdminPassword,
        // Required by the compose file's interpolation even though Grafana is not started here.
        ["GRAFANA_ADMIN_PASSWORD"] = "containers-smoke-grafana-password",
        ["BACKEND_PORT"] = BackendPort.ToString(CultureInfo.InvariantCulture),
        ["HTTPS_PORT"] = HttpsPort.ToString(CultureInfo.InvariantCulture),
        ["HTTP_PORT"] = HttpPort.ToString(CultureInfo.InvariantCulture),
        ["PROXY_ADDRESS"] = "127.0.0.1",
        ["ALLCLASSIFIER_HOSTNAME"] = HostName,
        ["PROMETHEUS_PORT"] = PrometheusPort.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Why the stack cannot run on this machine; null when it runs.</summary>
    public string? SkipReason { get; private set; }

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A client of the proxy that follows no redirects and keeps no cookies.</summary>
    public HttpClient Web => field ??= Browser(cookies: null);

    /// <summary>The root of the proxy's certificate authority, read from the proxy container once it made one.</summary>
    public X509Certificate2? ProxyRoot { get; private set; }

    /// <summary>
    /// A client for the proxy as a browser would be: <see cref="HostName"/> (connected to 127.0.0.1) as the TLS server
    /// name and Host header, a certificate that must chain to <see cref="ProxyRoot"/> and match the name, no redirects
    /// followed, and the cookies it is given.
    /// </summary>
    public HttpClient Browser(CookieContainer? cookies)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = cookies is not null,
            CookieContainer = cookies ?? new CookieContainer(),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = ChainsToProxyRoot },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    private bool ChainsToProxyRoot(object sender, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        // A name mismatch or a missing certificate fails whatever the chain; only the chain is judged here.
        if (certificate is null || ProxyRoot is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ProxyRoot);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(new X509Certificate2(certificate));
    }

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
        Web.Dispose();
        ProxyRoot?.Dispose();
    }

    public async Task UpAsync()
    {
        // podman-compose exits 0 even when a container fails to start: readiness is what tells.
        await ComposeAsync(["up", "-d", "--no-build", .. Services]);
        try
        {
            // The proxy makes its certificate authority on its first start and keeps it in its volume.
            await PollUntilAsync(
                async () =>
                {
                    var root = await Podman.RunAsync("exec", ContainerName("proxy"), "cat", ProxyRootCertificate);
                    if (!root.Succeeded || !root.Output.Contains("BEGIN CERTIFICATE", StringComparison.Ordinal))
                    {
                        return false;
                    }

                    var previous = ProxyRoot;
                    ProxyRoot = X509Certificate2.CreateFromPem(root.Output);
                    previous?.Dispose();
                    return true;
                },
                StartDeadline,
                "the proxy's certificate authority");
            await PollUntilAsync(
                async () => (await Http.GetAsync($"{BackendUrl}/ping")).IsSuccessStatusCode
                    && (await Web.GetAsync($"{WebUrl}/health")).IsSuccessStatusCode,
                StartDeadline,
                "backend /ping and web /health through the proxy");
        }
        catch (TimeoutException exception)
        {
            var containers = await Podman.RunAsync("ps", "-a", "--filter", $"label=io.podman.compose.project={ProjectName}");
            var webLog = await Podman.RunAsync("logs", "--tail", "30", ContainerName("web"));
            var proxyLog = await Podman.RunAsync("logs", "--tail", "30", ContainerName("proxy"));
            throw new TimeoutException($"{exception.Message}\n{containers.Output}\nweb:\n{webLog.Output}\nproxy:\n{proxyLog.Output}", exception);
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
