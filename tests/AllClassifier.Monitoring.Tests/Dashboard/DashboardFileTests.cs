using System.Text.Json;
using System.Text.RegularExpressions;
using AllClassifier.AppHost.Extensions;
using AllClassifier.Monitoring.Tests.Prometheus;

namespace AllClassifier.Monitoring.Tests.Dashboard;

/// <summary>The dashboard and Grafana provisioning files agree with each other and with Prometheus' query language.</summary>
public sealed partial class DashboardFileTests
{
    private static readonly string MonitoringDirectory = Path.Combine(AppContext.BaseDirectory, "monitoring");

    [Fact]
    public void Dashboard_has_the_uid_the_app_host_links_to()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(DashboardQueries.DashboardPath()));

        Assert.Equal("allclassifier-api", dashboard.RootElement.GetProperty("uid").GetString());
    }

    [Fact]
    public void Every_query_panel_uses_the_provisioned_prometheus_data_source()
    {
        var provisioned = File.ReadAllText(Path.Combine(MonitoringDirectory, "grafana", "provisioning", "datasources", "prometheus.yml"));
        var uid = UidLine().Match(provisioned).Groups["uid"].Value;
        using var dashboard = JsonDocument.Parse(File.ReadAllText(DashboardQueries.DashboardPath()));

        var queryPanels = DashboardQueries.Panels(dashboard.RootElement).Where(p => p.TryGetProperty("targets", out _)).ToList();

        Assert.NotEmpty(queryPanels);
        Assert.All(queryPanels, panel =>
        {
            Assert.Equal(uid, panel.GetProperty("datasource").GetProperty("uid").GetString());
            Assert.All(panel.GetProperty("targets").EnumerateArray(), target =>
                Assert.Equal(uid, target.GetProperty("datasource").GetProperty("uid").GetString()));
        });
    }

    [Fact]
    public void Dashboard_provider_reads_the_folder_grafana_mounts_the_dashboards_at()
    {
        var provider = File.ReadAllText(Path.Combine(MonitoringDirectory, "grafana", "provisioning", "dashboards", "dashboards.yml"));

        Assert.Contains("path: /var/lib/grafana/dashboards", provider, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http_requests_total")]
    [InlineData("http_request_duration_seconds_bucket")]
    [InlineData("process_cpu_seconds_total")]
    [InlineData("node_memory_MemAvailable_bytes")]
    [InlineData("allclassifier_predictions_total")]
    [InlineData("allclassifier_prediction_confidence_bucket")]
    [InlineData("allclassifier_model_version")]
    [InlineData("allclassifier_feedback_total")]
    [InlineData("allclassifier_referred_predictions_total")]
    [InlineData("allclassifier_referral_reasons_total")]
    [InlineData("allclassifier_ood_score_ratio_bucket")]
    [InlineData("allclassifier_class_mix_psi")]
    [InlineData("allclassifier_prediction_confidence_sum")]
    public void Dashboard_charts_the_metric(string metric)
    {
        var queries = DashboardQueries.Load(DashboardQueries.DashboardPath());

        Assert.Contains(queries, q => Regex.IsMatch(q.Expression, $@"\b{metric}\b"));
    }

    [Fact]
    public void Unknown_grafana_variables_are_refused_rather_than_sent_to_prometheus()
    {
        Assert.Equal("rate(x[1m])", DashboardQueries.Substitute("rate(x[$__rate_interval])"));
        Assert.Equal("rate(x[1m])", DashboardQueries.Substitute("rate(x[${__rate_interval}])"));
        Assert.Throws<InvalidOperationException>(() => DashboardQueries.Substitute("up{job=\"$job\"}"));
    }

    [Fact]
    public async Task Prometheus_parses_every_dashboard_query_and_the_generated_configuration()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var unreachable = new ScrapeTarget("backend", $"127.0.0.1:{PrometheusServer.FreeLoopbackPort()}");
        await using var prometheus = await PrometheusServer.StartAsync([unreachable], timeout.Token);

        foreach (var query in DashboardQueries.Load(DashboardQueries.DashboardPath()))
        {
            // Throws with Prometheus' parse error for an invalid expression; no data is expected here.
            await prometheus.QueryAsync(query.PromQl, timeout.Token);
        }

        // Nothing listens on the target's port: Prometheus lists the job from the generated file and reports it down.
        Assert.Equal("down", await prometheus.WaitForTargetAsync("backend", "down", TimeSpan.FromSeconds(30), timeout.Token));
    }

    [GeneratedRegex(@"^\s*uid:\s*(?<uid>\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex UidLine();
}
