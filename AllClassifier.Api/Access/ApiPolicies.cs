namespace AllClassifier.Api.Access;

/// <summary>Authorization policy names, one per <see cref="ProtectedSurface"/>.</summary>
public static class ApiPolicies
{
    public const string Writes = "api-writes";
    public const string Predict = "api-predict";
    public const string Metrics = "api-metrics";
    public const string Docs = "api-docs";
}
