using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AllClassifier.AppHost.Extensions;

/// <summary>
/// Prometheus (as a container, or as the local <c>prometheus</c> binary when no container engine runs),
/// Grafana with the provisioned AllClassifier dashboard, and a node exporter.
/// </summary>
public static class MonitoringExtensions
{
    private const string ConfigFileName = "prometheus.yml";
    // The alerting rules of the repository (monitoring/prometheus/alerts.yml, tested with promtool), loaded by every
    // Prometheus of the project; a container sees them next to its configuration file.
    private const string RulesFileName = "alerts.yml";
    private const string RulesSource = "../monitoring/prometheus/" + RulesFileName;
    private const string ContainerRulesFile = "/etc/prometheus/" + RulesFileName;
    private const int PrometheusPort = 9090;
    private static readonly TimeSpan ScrapeInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Prometheus in a container. Run mode scrapes the real endpoints, <paramref name="web"/> with its scrape key;
    /// publish mode ships the container stack's configuration.
    /// </summary>
    public static IResourceBuilder<ContainerResource> AddPrometheusContainer(
        this IDistributedApplicationBuilder builder, string name, DataRoot dataRoot, (IResource Resource, IResourceBuilder<ParameterResource>? ScrapeKey) web,
        params IResourceBuilder<IResourceWithEndpoints>[] scraped)
    {
        var prometheus = builder.AddContainer(name, "prom/prometheus", "v2.55.1")
            .WithImageRegistry("docker.io")
            .WithArgs("--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus")
            .WithVolume("allclassifier-prometheus", "/prometheus")
            .WithBindMount(RulesSource, ContainerRulesFile, isReadOnly: true)
            .WithHttpEndpoint(targetPort: PrometheusPort, name: "http")
            .WithPrometheusHealthAndUrls();

        if (builder.ExecutionContext.IsPublishMode)
        {
            return prometheus.WithBindMount("../monitoring/prometheus/prometheus.yml", "/etc/prometheus/prometheus.yml", isReadOnly: true);
        }

        // The services run on this host, outside the container network, and Aspire's container tunnel cannot start
        // under Podman 4.3 (its orchestrator takes Podman's "network is already connected" for a failure). So their
        // endpoints listen on every interface instead of loopback only, and the container scrapes them through the
        // engine's name for the host. Aspire's proxy binds the addresses the host has when it starts, which leaves
        // out the container bridge that name points at by default: it is pointed at the host's routed address.
        var hostAlias = ContainerSupport.HostAlias(ContainerSupport.ContainerRuntime(builder.Configuration));
        foreach (var service in scraped.Where(service => !service.Resource.IsContainer()))
        {
            service.WithEndpoint("http", endpoint => endpoint.TargetHost = "0.0.0.0");
        }

        if (RoutedHostAddress() is { } hostAddress)
        {
            prometheus.WithContainerRuntimeArgs($"--add-host={hostAlias}:{hostAddress}");
        }

        // A bind mount of a missing file would be created as a folder: the file exists from the start and gets
        // its targets just before the container is created.
        var configFile = Path.Combine(dataRoot.PrometheusDir, ConfigFileName);
        File.WriteAllText(configFile, PrometheusScrapeConfig.Render([], ScrapeInterval, [ContainerRulesFile]));
        return prometheus
            .WithBindMount(configFile, "/etc/prometheus/prometheus.yml", isReadOnly: true)
            .OnBeforeResourceStarted(async (resource, startedEvent, cancellationToken) =>
            {
                var logger = startedEvent.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource);
                var targets = new List<ScrapeTarget>();
                foreach (var service in scraped)
                {
                    var hostAndPort = service.Resource.IsContainer()
                        ? await service.GetEndpoint("http", KnownNetworkIdentifiers.DefaultAspireContainerNetwork).Property(EndpointProperty.HostAndPort).GetValueAsync(cancellationToken)
                        : $"{hostAlias}:{await service.GetEndpoint("http").Property(EndpointProperty.Port).GetValueAsync(cancellationToken)}";
                    // The web app answers a scrape from a container only with its key.
                    var token = ReferenceEquals(service.Resource, web.Resource) && web.ScrapeKey is { } scrapeKey
                        ? await scrapeKey.Resource.GetValueAsync(cancellationToken)
                        : null;
                    targets.Add(new ScrapeTarget(ScrapeJobName(service.Resource), hostAndPort!, BearerToken: token));
                }

                await WriteConfigAsync(configFile, targets, ContainerRulesFile, logger, cancellationToken);
            });
    }

    /// <summary>Prometheus as a local process (the Debian <c>prometheus</c> package, for example), bound to loopback.</summary>
    public static IResourceBuilder<ExecutableResource> AddPrometheusExecutable(
        this IDistributedApplicationBuilder builder, string name, string executablePath, DataRoot dataRoot, params IResourceBuilder<IResourceWithEndpoints>[] scraped)
    {
        var configFile = Path.Combine(dataRoot.PrometheusDir, ConfigFileName);
        var rulesFile = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, RulesSource));
        var prometheus = builder.AddExecutable(name, executablePath, dataRoot.PrometheusDir)
            .WithHttpEndpoint(name: "http")
            .ExcludeFromManifest();
        var endpoint = prometheus.GetEndpoint("http");

        return prometheus
            .WithArgs(context =>
            {
                context.Args.Add($"--config.file={configFile}");
                context.Args.Add($"--storage.tsdb.path={Path.Combine(dataRoot.PrometheusDir, "data")}");
                context.Args.Add(ReferenceExpression.Create($"--web.listen-address=127.0.0.1:{endpoint.Property(EndpointProperty.TargetPort)}"));
            })
            .WithPrometheusHealthAndUrls()
            .OnBeforeResourceStarted(async (resource, startedEvent, cancellationToken) =>
            {
                var logger = startedEvent.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource);
                var targets = new List<ScrapeTarget>();
                foreach (var service in scraped)
                {
                    var hostAndPort = await service.GetEndpoint("http").Property(EndpointProperty.HostAndPort).GetValueAsync(cancellationToken);
                    targets.Add(new ScrapeTarget(ScrapeJobName(service.Resource), hostAndPort!));
                }

                await WriteConfigAsync(configFile, targets, rulesFile, logger, cancellationToken);
            });
    }

    /// <summary>
    /// Grafana with the Prometheus data source and the dashboards of <c>monitoring/grafana</c> provisioned. Anonymous
    /// visitors may only view; the <c>admin</c> account's password is <paramref name="adminPassword"/>.
    /// </summary>
    public static IResourceBuilder<ContainerResource> AddGrafana(
        this IDistributedApplicationBuilder builder, string name, IResourceBuilder<IResourceWithEndpoints> prometheus, IResourceBuilder<ParameterResource> adminPassword) =>
        builder.AddContainer(name, "grafana/grafana", "11.3.0")
            .WithImageRegistry("docker.io")
            .WithBindMount("../monitoring/grafana/provisioning", "/etc/grafana/provisioning", isReadOnly: true)
            .WithBindMount("../monitoring/grafana/dashboards", "/var/lib/grafana/dashboards", isReadOnly: true)
            .WithEnvironment("PROMETHEUS_URL", prometheus.GetEndpoint("http"))
            .WithEnvironment("GF_AUTH_ANONYMOUS_ENABLED", "true")
            .WithEnvironment("GF_AUTH_ANONYMOUS_ORG_ROLE", "Viewer")
            .WithEnvironment("GF_SECURITY_ADMIN_PASSWORD", adminPassword)
            .WithEnvironment("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH", "/var/lib/grafana/dashboards/all-api.json")
            .WithHttpEndpoint(targetPort: 3000, name: "http")
            .WithHttpHealthCheck("/api/health")
            .WithUrlForEndpoint("http", url => url.DisplayText = "Grafana")
            .WithUrlForEndpoint("http", _ => new() { Url = "/d/allclassifier-api", DisplayText = "AllClassifier dashboard" });

    /// <summary>
    /// The host's memory and CPU figures (node_memory_MemAvailable_bytes and friends) for Prometheus. A container's
    /// /proc already shows the host's memory and CPU, so no host folder is mounted (that would only add file systems).
    /// </summary>
    public static IResourceBuilder<ContainerResource> AddNodeExporter(this IDistributedApplicationBuilder builder, string name) =>
        builder.AddContainer(name, "prom/node-exporter", "v1.8.2")
            .WithImageRegistry("docker.io")
            .WithHttpEndpoint(targetPort: 9100, name: "http")
            .WithHttpHealthCheck("/metrics");

    private static IResourceBuilder<T> WithPrometheusHealthAndUrls<T>(this IResourceBuilder<T> prometheus)
        where T : IResourceWithEndpoints =>
        prometheus
            .WithHttpHealthCheck("/-/ready")
            .WithUrlForEndpoint("http", url => url.DisplayText = "Prometheus")
            .WithUrlForEndpoint("http", _ => new() { Url = "/targets", DisplayText = "Scrape targets" });

    // Jobs are named after the resources (backend, web, node-exporter), so dashboards can tell them apart.
    private static string ScrapeJobName(IResource resource) => resource.Name;

    // The IPv4 address of the interface with a default route; container bridges have none.
    private static IPAddress? RoutedHostAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(network => network.OperationalStatus == OperationalStatus.Up && network.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .Select(network => network.GetIPProperties())
            .Where(properties => properties.GatewayAddresses.Any(gateway => gateway.Address.AddressFamily == AddressFamily.InterNetwork))
            .SelectMany(properties => properties.UnicastAddresses)
            .Select(unicast => unicast.Address)
            .FirstOrDefault(address => address.AddressFamily == AddressFamily.InterNetwork);

    private static async Task WriteConfigAsync(
        string configFile, IReadOnlyList<ScrapeTarget> targets, string rulesFile, ILogger logger, CancellationToken cancellationToken)
    {
        var yaml = PrometheusScrapeConfig.Render(targets, ScrapeInterval, [rulesFile]);
        Directory.CreateDirectory(Path.GetDirectoryName(configFile)!);
        await File.WriteAllTextAsync(configFile, yaml, cancellationToken);
        logger.LogInformation(
            "Wrote {ConfigFile} scraping {Targets}, with the alerting rules of {RulesFile}.",
            configFile, string.Join(", ", targets.Select(t => $"{t.Job}={t.HostAndPort}")), rulesFile);
    }
}
