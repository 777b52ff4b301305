namespace AllClassifier.Api.Access;

/// <summary>
/// Per-caller request budget (section <c>RateLimiting</c>): a token bucket per API client, or per client address
/// for callers without a key. The defaults let a lab's web app through and stop a script hammering the API.
/// </summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimiting";

    public bool Enabled { get; set; } = true;

    /// <summary>The largest burst a caller may send at once.</summary>
    public int TokenLimit { get; set; } = 100;

    /// <summary>Requests added back to the bucket every <see cref="ReplenishmentPeriod"/>.</summary>
    public int TokensPerPeriod { get; set; } = 10;

    public TimeSpan ReplenishmentPeriod { get; set; } = TimeSpan.FromSeconds(1);
}
