using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using AllClassifier.AppHost.Extensions;
using AllClassifier.Monitoring.Tests.Prometheus;

namespace AllClassifier.Monitoring.Tests.Alerts;

/// <summary>
/// The configurations the project hands Prometheus load the alerting rules: the one the app host generates (checked
/// by promtool and by a real Prometheus, which lists the alerts) and the compose stack's static file.
/// </summary>
public sealed class RuleLoadingTests
{
    private static readonly string PrometheusDirectory = Path.Combine(AppContext.BaseDirectory, "monitoring", "prometheus");
    private static readonly string RulesFile = Path.Combine(PrometheusDirectory, "alerts.yml");
    private static readonly string[] Alerts = ["AllClassifierReferralRateHigh", "AllClassifierClassMixDrift", "AllClassifierMeanConfidenceDropped"];

    [Fact]
    public async Task Promtool_finds_the_rules_through_the_generated_configuration()
    {
        var directory = Directory.CreateTempSubdirectory("allclassifier-promconfig-").FullName;
        try
        {
            var config = Path.Combine(directory, "prometheus.yml");
            File.WriteAllText(config, PrometheusScrapeConfig.Render([new ScrapeTarget("backend", "127.0.0.1:8000")], TimeSpan.FromSeconds(5), [RulesFile]));

            var check = await Promtool.RunAsync(directory, "check", "config", config);

            Assert.True(check.Succeeded, check.Output);
            Assert.Contains($"SUCCESS: {Alerts.Length} rules found", check.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Promtool_finds_the_rules_through_the_compose_stacks_configuration()
    {
        // The compose file mounts alerts.yml next to prometheus.yml, as it lies in the repository.
        var check = await Promtool.RunAsync(PrometheusDirectory, "check", "config", "prometheus.yml");

        Assert.True(check.Succeeded, check.Output);
        Assert.Contains($"SUCCESS: {Alerts.Length} rules found", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_real_prometheus_started_with_the_generated_configuration_evaluates_every_alert()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await using var prometheus = await PrometheusServer.StartAsync([], timeout.Token, [RulesFile]);

        var loaded = new List<string>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            var body = await prometheus.Http.GetFromJsonAsync<JsonElement>("api/v1/rules?type=alert", timeout.Token);
            loaded = body.GetProperty("data").GetProperty("groups").EnumerateArray()
                .SelectMany(group => group.GetProperty("rules").EnumerateArray())
                .Where(rule => rule.GetProperty("health").GetString() == "ok")
                .Select(rule => rule.GetProperty("name").GetString()!)
                .ToList();
            if (Alerts.All(loaded.Contains))
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), timeout.Token);
        }

        Assert.Equal(Alerts.Order(StringComparer.Ordinal), loaded.Order(StringComparer.Ordinal));
    }
}
