namespace AllClassifier.Api.Access;

/// <summary>
/// Who may call the API (section <c>Auth</c>). Each entry of <see cref="ApiKeys"/> names a client and its key
/// (<c>Auth__ApiKeys__web=...</c>); the name becomes the caller's identity. <see cref="ApiKeyScopes"/> narrows what
/// a client's key may do (<c>Auth__ApiKeyScopes__web=predict,feedback</c>); a key without an entry there has every
/// scope. With no key the API keeps the original open contract, which suits a single workstation only.
/// </summary>
public sealed class ApiAccessOptions
{
    public const string SectionName = "Auth";

    public Dictionary<string, string> ApiKeys { get; set; } = [];

    /// <summary>Per client, a comma-separated list of <c>predict</c>, <c>feedback</c>, <c>admin</c>.</summary>
    public Dictionary<string, string> ApiKeyScopes { get; set; } = [];

    /// <summary>Also require a key (scope <c>predict</c>) for every endpoint that classifies an image.</summary>
    public bool RequireKeyForPredict { get; set; }

    /// <summary>Require a key for the Prometheus scrape at <c>/metrics</c>.</summary>
    public bool RequireKeyForMetrics { get; set; }

    /// <summary>Require a key for <c>/docs</c> and the OpenAPI document.</summary>
    public bool RequireKeyForDocs { get; set; }

    public bool KeysConfigured => ApiKeys.Values.Any(key => !string.IsNullOrEmpty(key));

    /// <summary>The scopes of a configured client (every scope unless narrowed); None for an unparsable entry.</summary>
    public ApiScopes ScopesOf(string client) =>
        !ApiKeyScopes.TryGetValue(client, out var text)
            ? ApiScopes.All
            : ApiScopeNames.TryParse(text, out var scopes) ? scopes : ApiScopes.None;

    /// <summary>Why the scope configuration is unusable, or null: an unknown scope, or scopes for a client with no key.</summary>
    public string? ScopeProblem() =>
        ApiKeyScopes.Select(entry =>
                !ApiScopeNames.TryParse(entry.Value, out _)
                    ? $"Auth:ApiKeyScopes:{entry.Key} is '{entry.Value}'; expected a comma-separated list of predict, feedback, admin"
                    : !ApiKeys.TryGetValue(entry.Key, out var key) || string.IsNullOrEmpty(key)
                        ? $"Auth:ApiKeyScopes:{entry.Key} names a client with no key in Auth:ApiKeys"
                        : null)
            .FirstOrDefault(problem => problem is not null);
}
