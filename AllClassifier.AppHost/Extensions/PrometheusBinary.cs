namespace AllClassifier.AppHost.Extensions;

/// <summary>
/// Finds a locally installed Prometheus (for example the Debian <c>prometheus</c> package, which also ships
/// <c>promtool</c>).
/// </summary>
public static class PrometheusBinary
{
    /// <summary>The full path of the <paramref name="executable"/> on PATH, or null.</summary>
    public static string? FindOnPath(string executable = "prometheus") =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, executable))
            .FirstOrDefault(File.Exists);
}
