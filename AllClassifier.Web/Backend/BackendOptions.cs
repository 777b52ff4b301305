namespace AllClassifier.Web.Backend;

/// <summary>Where the classification API lives and how long to wait for it.</summary>
public sealed class BackendOptions
{
    public const string SectionName = "Backend";

    /// <summary>The API resource's name in the Aspire app model, resolved by service discovery.</summary>
    public const string ServiceDiscoveryAddress = "http://backend";

    /// <summary>The API's base address (<c>BACKEND_URL</c> is its alias); without either, service discovery resolves
    /// <see cref="ServiceDiscoveryAddress"/>.</summary>
    public string Url { get; set; } = ServiceDiscoveryAddress;

    /// <summary>
    /// This app's key for the API (<c>X-Api-Key</c>), the value the API knows as <c>Auth:ApiKeys:web</c>. A deployment
    /// secret; without it the API must be running open.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>How long one call may take; the original client waited 60 seconds for a prediction.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);
}
