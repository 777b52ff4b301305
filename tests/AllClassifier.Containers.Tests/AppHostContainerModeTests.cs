using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AllClassifier.Containers.Tests;

/// <summary>
/// The app host with its container resources (<c>AllClassifier:Containers=always</c>) run by Podman.
/// Prometheus and the node exporter start from the images scripts/containers.sh stands in; MLflow and
/// Grafana cannot be had without the public registries, so they fail to start and the trainer, which
/// waits for MLflow, stays waiting: those are left unchecked rather than faked.
/// The Prometheus container scrapes backend and web, which run as processes on the host, through Podman's
/// name for the host.
/// </summary>
[Trait("Category", "Containers")]
[Collection(PodmanCollection.Name)]
public sealed class AppHostContainerModeTests
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan ScrapeDeadline = TimeSpan.FromMinutes(1);

    [SkippableFact]
    public async Task Podman_runs_prometheus_and_the_node_exporter_and_prometheus_scrapes_backend_and_web()
    {
        var whyUnusable = await Podman.WhyUnusableAsync();
        Podman.SkipIfUnusable(whyUnusable);
        var images = await CommandLine.RunAsync("bash", ["scripts/containers.sh"], TimeSpan.FromMinutes(40));
        Assert.True(images.Succeeded, $"scripts/containers.sh failed:\n{images.Output}");

        var dataRoot = Directory.CreateTempSubdirectory("allclassifier-containers-").FullName;
        using var timeout = new CancellationTokenSource(StartDeadline);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AllClassifier_AppHost>(
            [
                $"AllClassifier:DataRoot={dataRoot}",
                "AllClassifier:Containers=always",
                "ASPIRE_CONTAINER_RUNTIME=podman",
                "Parameters:api-key=containers-apphost-test-key",
                "Parameters:first-admin-password=Containers-admin-password-1",
                "Parameters:grafana-admin-password=Containers-grafana-password-1",
            ],
            timeout.Token);

        await using var app = await builder.BuildAsync(timeout.Token);
        await app.StartAsync(timeout.Token);
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        await notifications.WaitForResourceHealthyAsync("backend", timeout.Token);
        await notifications.WaitForResourceHealthyAsync("web", timeout.Token);
        await notifications.WaitForResourceHealthyAsync("prometheus", timeout.Token);
        await notifications.WaitForResourceAsync("node-exporter", KnownResourceStates.Running, timeout.Token);

        // A target is "up" only after Prometheus has scraped it from inside its container.
        using var prometheus = app.CreateHttpClient("prometheus", "http");
        var targets = new Dictionary<string, (string Health, string Url, string Error)>();
        try
        {
            await ComposeStack.PollUntilAsync(
                async () =>
                {
                    using var response = await prometheus.GetFromJsonAsync<JsonDocument>("/api/v1/targets?state=active", timeout.Token);
                    targets = response!.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
                        .ToDictionary(
                            target => target.GetProperty("labels").GetProperty("job").GetString()!,
                            target => (target.GetProperty("health").GetString()!, target.GetProperty("scrapeUrl").GetString()!, target.GetProperty("lastError").GetString()!));
                    return targets.GetValueOrDefault("backend").Health == "up" && targets.GetValueOrDefault("web").Health == "up";
                },
                ScrapeDeadline,
                "Prometheus to scrape backend and web");
        }
        catch (TimeoutException exception)
        {
            Assert.Fail($"{exception.Message}\nTargets: {string.Join("; ", targets.Select(target => $"{target.Key} {target.Value}"))}");
        }

        await app.StopAsync(CancellationToken.None);
        Directory.Delete(dataRoot, recursive: true);
    }
}
