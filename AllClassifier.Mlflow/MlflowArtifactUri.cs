namespace AllClassifier.Mlflow;

/// <summary>
/// Maps the artifact URIs of a server that proxies its artifact store (<c>mlflow-artifacts:/1/&lt;run&gt;/artifacts</c>)
/// to the REST path that serves them (<c>api/2.0/mlflow-artifacts/artifacts/1/&lt;run&gt;/artifacts</c>).
/// </summary>
public static class MlflowArtifactUri
{
    public const string Scheme = "mlflow-artifacts:";
    /// <summary>The proxied artifact store's REST root, relative to the tracking URI.</summary>
    public const string RestRoot = "api/2.0/mlflow-artifacts/artifacts";

    /// <summary>Appends a relative artifact path (forward slashes) to an artifact URI.</summary>
    public static string Combine(string artifactUri, string relativePath) =>
        string.IsNullOrEmpty(relativePath) ? artifactUri : $"{artifactUri.TrimEnd('/')}/{relativePath.TrimStart('/')}";

    /// <summary>The REST path (relative to the tracking URI, segments escaped) of an artifact URI.</summary>
    public static string ToRestPath(string artifactUri) =>
        RestRoot + "/" + string.Join('/', StorePath(artifactUri).Split('/').Select(Uri.EscapeDataString));

    /// <summary>Whether the tracking server proxies this location, so the REST API can read and write it.</summary>
    public static bool IsProxied(string artifactUri) => artifactUri.StartsWith(Scheme, StringComparison.Ordinal);

    public static string NotProxiedMessage(string artifactUri) =>
        $"Artifact URI '{artifactUri}' is not served through the tracking server; start MLflow with artifact proxying " +
        "(the default of 'mlflow server' since 2.0, or --serve-artifacts) so artifacts go through the REST API.";

    /// <summary>The path inside the artifact store (e.g. <c>1/&lt;run&gt;/artifacts/model</c>), unescaped.</summary>
    public static string StorePath(string artifactUri)
    {
        if (!IsProxied(artifactUri))
        {
            throw new NotSupportedException(NotProxiedMessage(artifactUri));
        }

        var path = artifactUri[Scheme.Length..];
        if (path.StartsWith("//", StringComparison.Ordinal))
        {
            // mlflow-artifacts://host:port/path names the server explicitly; this client talks to its tracking URI.
            var slash = path.IndexOf('/', 2);
            path = slash < 0 ? "" : path[slash..];
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s is "." or ".."))
        {
            throw new ArgumentException($"Artifact URI '{artifactUri}' must not contain '.' or '..' segments.", nameof(artifactUri));
        }

        return string.Join('/', segments);
    }
}
