using System.Diagnostics.Metrics;

namespace AllClassifier.ServiceDefaults.Metrics;

/// <summary>
/// The request metrics of the original stack's instrumentator. The Prometheus exporter adds the unit and
/// counter suffixes, so these instruments come out as <c>http_requests_total{method,handler,status}</c> and
/// <c>http_request_duration_seconds{handler}</c> (buckets, sum, count).
/// </summary>
public sealed class HttpMetrics
{
    public const string MeterName = "AllClassifier.Http";

    /// <summary>Handler label of requests that matched no endpoint: raw paths would make cardinality unbounded.</summary>
    public const string UnmatchedHandler = "none";

    /// <summary>Web latency buckets, 5 ms to 10 s.</summary>
    public static IReadOnlyList<double> DurationBuckets { get; } =
        [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    /// <summary>Method label of any method outside <see cref="KnownMethods"/>: clients choose methods freely.</summary>
    public const string OtherMethod = "_OTHER";

    /// <summary>The HTTP methods of RFC 9110 and PATCH, as OpenTelemetry's semantic conventions list them.</summary>
    private static readonly HashSet<string> KnownMethods = new(StringComparer.Ordinal)
    {
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    };

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;

    public HttpMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("http_requests", description: "HTTP requests by method, route template and status class.");
        _duration = meter.CreateHistogram(
            "http_request_duration",
            unit: "s",
            description: "HTTP request duration by route template.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
    }

    public void Record(string method, string handler, int statusCode, double seconds)
    {
        _requests.Add(
            1,
            new KeyValuePair<string, object?>("method", MethodLabel(method)),
            new KeyValuePair<string, object?>("handler", handler),
            new KeyValuePair<string, object?>("status", StatusClass(statusCode)));
        _duration.Record(seconds, new KeyValuePair<string, object?>("handler", handler));
    }

    public static string MethodLabel(string method) => KnownMethods.Contains(method) ? method : OtherMethod;

    /// <summary>The instrumentator grouped status codes by class: <c>2xx</c>, <c>4xx</c>, <c>5xx</c>.</summary>
    public static string StatusClass(int statusCode) => statusCode switch
    {
        >= 100 and < 200 => "1xx",
        >= 200 and < 300 => "2xx",
        >= 300 and < 400 => "3xx",
        >= 400 and < 500 => "4xx",
        _ => "5xx",
    };
}
