namespace AllClassifier.Api.Access;

/// <summary>
/// Per-caller request budget (section <c>RateLimiting</c>): a token bucket per API client, or per client address
/// for callers without a key. The defaults sit above what the service can answer on a small host (tens of
/// predictions a second; beyond that the inference queue answers 503), so a client working at the service's full
/// speed, such as a lab's web app or a benchmark, is never throttled, while a flood against the cheap endpoints
/// is stopped. A front end's person (<c>X-Acting-User</c>) spends from the client's bucket and is also held to
/// <see cref="PersonTokenLimit"/> of it, so one person cannot use up a shared front end's whole budget and a name
/// that changes on every request gains nothing.
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

    /// <summary>The largest burst one person behind a client may send; null means <see cref="TokenLimit"/>.</summary>
    public int? PersonTokenLimit { get; set; }

    /// <summary>Requests added back to a person's bucket every period; null means <see cref="TokensPerPeriod"/>.</summary>
    public int? PersonTokensPerPeriod { get; set; }
}
