namespace AllClassifier.Api.Access;

/// <summary>
/// What an API key may do. A key configured without <c>Auth:ApiKeyScopes:&lt;client&gt;</c> has every scope, so
/// deployments written before scopes existed keep working.
/// </summary>
[Flags]
public enum ApiScopes
{
    None = 0,

    /// <summary>Classify images: <c>/predict</c>, <c>/explain</c> (when <c>Auth:RequireKeyForPredict</c> is set).</summary>
    Predict = 1,

    /// <summary>Store corrections and work on cases: <c>POST /feedback</c>, case uploads and reviews.</summary>
    Feedback = 2,

    /// <summary>Administer: promotion, reload, listing and deleting feedback rows, audit, detailed health.</summary>
    Admin = 4,

    All = Predict | Feedback | Admin,
}

/// <summary>The scope names used in configuration and in the key's claims.</summary>
public static class ApiScopeNames
{
    public const string ClaimType = "scope";

    private static readonly (ApiScopes Scope, string Name)[] Names =
    [
        (ApiScopes.Predict, "predict"),
        (ApiScopes.Feedback, "feedback"),
        (ApiScopes.Admin, "admin"),
    ];

    public static string Of(ApiScopes scope) => Names.Single(entry => entry.Scope == scope).Name;

    public static IEnumerable<string> Each(ApiScopes scopes) =>
        Names.Where(entry => scopes.HasFlag(entry.Scope)).Select(entry => entry.Name);

    /// <summary>Parses <c>predict,feedback</c> (any case, commas or spaces); false for an unknown or empty list.</summary>
    public static bool TryParse(string? text, out ApiScopes scopes)
    {
        scopes = ApiScopes.None;
        foreach (var part in (text ?? "").Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = Names.FirstOrDefault(entry => string.Equals(entry.Name, part, StringComparison.OrdinalIgnoreCase));
            if (match.Name is null)
            {
                scopes = ApiScopes.None;
                return false;
            }

            scopes |= match.Scope;
        }

        return scopes != ApiScopes.None;
    }
}
