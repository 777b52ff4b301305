namespace AllClassifier.Api.Access;

/// <summary>
/// Per-caller request budget (section <c>RateLimiting</c>): a token bucket per API client, or per client address
/// for callers without a key. The defaults sit above what the service can answer on a small host (tens of
/// predictions a second; beyond that the inference queue answers 503), so a client working at the service's full
/// speed, such as a lab's web app or a benchmark, is never throttled, while a flood against the cheap endpoints
/// is stopped.
/// </summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimiting";

    public bool Enabled { get; set; } = true;

    /// <summary>The largest burst a caller may send at once.</summary>
    public int TokenLimit { get; set; } = 400;

    /// <summary>Requests added back to the bucket every <see cref="ReplenishmentPeriod"/>.</summary>
    public int TokensPerPeriod { get; set; } = 200;

    public TimeSpan ReplenishmentPeriod { get; set; } = TimeSpan.FromSeconds(1);
}
