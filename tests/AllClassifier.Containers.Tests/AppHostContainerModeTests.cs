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
/// Prometheus gets its backend and web targets, but under Podman it cannot reach them: the app host's
/// fallback address is host.docker.internal (Podman 4.3 names the host host.containers.internal) and the
/// services listen on the host's loopback only. The compose stack's test checks scraping end to end.
/// </summary>
[Trait("Category", "Containers")]
[Collection(PodmanCollection.Name)]
public sealed class AppHostContainerModeTests
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan TargetsDeadline = TimeSpan.FromMinutes(1);

    [SkippableFact]
    public async Task Podman_runs_prometheus_and_the_node_exporter_and_prometheus_targets_backend_and_web()
    {
        var whyUnusable = await Podman.WhyUnusableAsync();
        Skip.If(whyUnusable is not null, whyUnusable);
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

        // Prometheus lists its targets a few seconds after it is ready, once service discovery has synced.
        using var prometheus = app.CreateHttpClient("prometheus", "http");
        var jobs = new HashSet<string?>();
        var expires = DateTime.UtcNow + TargetsDeadline;
        while (!(jobs.Contains("backend") && jobs.Contains("web")) && DateTime.UtcNow < expires)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), timeout.Token);
            using var targets = await prometheus.GetFromJsonAsync<JsonDocument>("/api/v1/targets?state=active", timeout.Token);
            jobs = targets!.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
                .Select(target => target.GetProperty("labels").GetProperty("job").GetString())
                .ToHashSet();
        }

        Assert.Contains("backend", jobs);
        Assert.Contains("web", jobs);
        await app.StopAsync(CancellationToken.None);
        Directory.Delete(dataRoot, recursive: true);
    }
}
