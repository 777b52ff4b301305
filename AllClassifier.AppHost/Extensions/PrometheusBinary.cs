namespace AllClassifier.AppHost.Extensions;

/// <summary>Finds a locally installed Prometheus (for example the Debian <c>prometheus</c> package).</summary>
public static class PrometheusBinary
{
    /// <summary>The full path of the <c>prometheus</c> executable on PATH, or null.</summary>
    public static string? FindOnPath() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "prometheus"))
            .FirstOrDefault(File.Exists);
}
