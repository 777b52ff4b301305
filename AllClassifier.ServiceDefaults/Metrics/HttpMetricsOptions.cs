namespace AllClassifier.ServiceDefaults.Metrics;

/// <summary>Which requests the LLD's HTTP metrics leave out.</summary>
public sealed class HttpMetricsOptions
{
    public const string SectionName = "HttpMetrics";

    /// <summary>
    /// Path prefixes not recorded: scrapes and health probes arrive every few seconds and would drown the
    /// request-rate and latency panels in traffic no user sent.
    /// </summary>
    public IList<string> ExcludedPaths { get; } = ["/metrics", "/health", "/alive"];
}
