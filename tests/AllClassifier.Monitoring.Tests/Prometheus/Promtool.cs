using System.Diagnostics;
using AllClassifier.AppHost.Extensions;

namespace AllClassifier.Monitoring.Tests.Prometheus;

/// <summary>The real <c>promtool</c> (Debian's <c>prometheus</c> package ships it next to the server).</summary>
public static class Promtool
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public sealed record Result(int ExitCode, string Output)
    {
        public bool Succeeded => ExitCode == 0;
    }

    public static async Task<Result> RunAsync(string workingDirectory, params string[] arguments)
    {
        var executable = PrometheusBinary.FindOnPath("promtool")
            ?? throw new InvalidOperationException(
                "No 'promtool' on PATH. Install it (apt-get install prometheus); scripts/test.sh does so when it is missing.");
        var startInfo = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {executable}.");
        using var timeout = new CancellationTokenSource(Timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"promtool {string.Join(' ', arguments)} ran over {Timeout.TotalSeconds} s.");
        }

        return new Result(process.ExitCode, await stdout + await stderr);
    }
}
