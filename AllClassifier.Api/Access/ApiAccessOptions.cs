namespace AllClassifier.Api.Access;

/// <summary>
/// Who may call the API (section <c>Auth</c>). Each entry of <see cref="ApiKeys"/> names a client and its key
/// (<c>Auth__ApiKeys__web=...</c>); the name becomes the caller's identity. With no key the API keeps the original
/// open contract, which suits a single workstation only.
/// </summary>
public sealed class ApiAccessOptions
{
    public const string SectionName = "Auth";

    public Dictionary<string, string> ApiKeys { get; set; } = [];

    /// <summary>Also require a key for <c>POST /predict</c>.</summary>
    public bool RequireKeyForPredict { get; set; }

    /// <summary>Require a key for the Prometheus scrape at <c>/metrics</c>.</summary>
    public bool RequireKeyForMetrics { get; set; }

    /// <summary>Require a key for <c>/docs</c> and the OpenAPI document.</summary>
    public bool RequireKeyForDocs { get; set; }

    public bool KeysConfigured => ApiKeys.Values.Any(key => !string.IsNullOrEmpty(key));
}
