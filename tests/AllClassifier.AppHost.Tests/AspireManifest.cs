using System.Diagnostics;
using System.Text.Json;

namespace AllClassifier.AppHost.Tests;

/// <summary>
/// The deployment manifest azd reads, produced the way azd produces it: the app host run with
/// <c>--publisher manifest</c>. Written once per test class into a temporary folder.
/// </summary>
public sealed class AspireManifest : IDisposable
{
    private static readonly TimeSpan PublishDeadline = TimeSpan.FromMinutes(2);
    private readonly JsonDocument document;

    public AspireManifest()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("allclassifier-manifest-").FullName;
        Path = System.IO.Path.Combine(Directory, "aspire-manifest.json");

        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory,
        };
        foreach (var argument in new[] { System.IO.Path.Combine(AppContext.BaseDirectory, "AllClassifier.AppHost.dll"), "--publisher", "manifest", "--output-path", Path })
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(PublishDeadline))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The app host did not publish its manifest within {PublishDeadline}.");
        }

        if (process.ExitCode != 0 || !File.Exists(Path))
        {
            throw new InvalidOperationException($"Publishing the manifest failed ({process.ExitCode}):\n{output.Result}\n{errors.Result}");
        }

        document = JsonDocument.Parse(File.ReadAllText(Path));
    }

    public string Directory { get; }

    public string Path { get; }

    public JsonElement Resources => document.RootElement.GetProperty("resources");

    public JsonElement Resource(string name) =>
        Resources.TryGetProperty(name, out var resource) ? resource : throw new KeyNotFoundException($"The manifest has no resource '{name}': {Resources}");

    public static IReadOnlyDictionary<string, string> Environment(JsonElement resource) =>
        resource.TryGetProperty("env", out var env)
            ? env.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!)
            : new Dictionary<string, string>();

    public void Dispose()
    {
        document.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
