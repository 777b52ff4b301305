using AllClassifier.AppHost.Extensions;

namespace AllClassifier.Monitoring.Tests.Prometheus;

public sealed class PrometheusScrapeConfigTests
{
    [Fact]
    public void Writes_one_job_per_target_with_its_metrics_path_and_the_interval()
    {
        var yaml = PrometheusScrapeConfig.Render(
            [new ScrapeTarget("backend", "localhost:8000"), new ScrapeTarget("node-exporter", "node-exporter:9100", "/custom")],
            TimeSpan.FromSeconds(5));

        Assert.Contains("  scrape_interval: 5s", yaml, StringComparison.Ordinal);
        Assert.Contains("  - job_name: \"backend\"\n    metrics_path: \"/metrics\"\n    static_configs:\n      - targets: [\"localhost:8000\"]", yaml, StringComparison.Ordinal);
        Assert.Contains("  - job_name: \"node-exporter\"\n    metrics_path: \"/custom\"", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void Lists_the_rule_files_before_the_scrape_jobs_and_none_when_there_are_none()
    {
        var withRules = PrometheusScrapeConfig.Render([new ScrapeTarget("backend", "localhost:8000")], TimeSpan.FromSeconds(5), ["/etc/prometheus/alerts.yml"]);
        var withoutRules = PrometheusScrapeConfig.Render([new ScrapeTarget("backend", "localhost:8000")], TimeSpan.FromSeconds(5));

        Assert.Contains("rule_files:\n  - \"/etc/prometheus/alerts.yml\"\n\nscrape_configs:", withRules, StringComparison.Ordinal);
        Assert.DoesNotContain("rule_files", withoutRules, StringComparison.Ordinal);
    }

    [Fact]
    public void A_target_with_a_bearer_token_gets_it_as_the_jobs_authorization_and_others_get_none()
    {
        var yaml = PrometheusScrapeConfig.Render(
            [new ScrapeTarget("web", "host:5080", BearerToken: "scrape-key-1"), new ScrapeTarget("backend", "host:8000")], TimeSpan.FromSeconds(5));

        Assert.Contains("  - job_name: \"web\"\n    metrics_path: \"/metrics\"\n    authorization:\n      credentials: \"scrape-key-1\"\n    static_configs:", yaml, StringComparison.Ordinal);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(yaml, "authorization:"));
    }

    [Theory]
    [InlineData("back\"end", "localhost:1")]
    [InlineData("backend", "localhost:1\n  - job_name: injected")]
    [InlineData("", "localhost:1")]
    public void Refuses_values_that_would_need_escaping(string job, string hostAndPort) =>
        Assert.Throws<ArgumentException>(() => PrometheusScrapeConfig.Render([new ScrapeTarget(job, hostAndPort)], TimeSpan.FromSeconds(1)));

    [Fact]
    public void Refuses_sub_second_intervals() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PrometheusScrapeConfig.Render([], TimeSpan.FromMilliseconds(500)));
}
