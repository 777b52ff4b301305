namespace AllClassifier.Api.Access;

/// <summary>
/// Authorization policy names, one per <see cref="ProtectedSurface"/>. An endpoint that names none falls back to
/// <see cref="Admin"/> (see <see cref="ApiAccessExtensions.AddApiAccess"/>), so a forgotten declaration closes an
/// endpoint instead of opening it; open reads say so with <c>AllowAnonymous()</c>.
/// </summary>
public static class ApiPolicies
{
    /// <summary>Every endpoint that classifies an image: scope <c>predict</c> when <c>Auth:RequireKeyForPredict</c>.</summary>
    public const string Predict = "api-predict";

    /// <summary>Storing corrections, case uploads and reviews: scope <c>feedback</c> once keys exist.</summary>
    public const string Feedback = "api-feedback";

    /// <summary>Promotion, reload, feedback rows and deletes, audit, health detail: scope <c>admin</c> once keys exist.</summary>
    public const string Admin = "api-admin";

    /// <summary>The strictest write policy (<see cref="Admin"/>), kept for endpoints declared before scopes existed.</summary>
    public const string Writes = Admin;

    public const string Metrics = "api-metrics";
    public const string Docs = "api-docs";
}
