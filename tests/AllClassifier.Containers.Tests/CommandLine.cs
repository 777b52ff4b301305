using System.ComponentModel;
using System.Diagnostics;

namespace AllClassifier.Containers.Tests;

/// <summary>The outcome of one command: its exit code and everything it wrote.</summary>
public sealed record CommandResult(int ExitCode, string Output)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>Runs the container tools (podman, podman-compose, the preparation script) as child processes.</summary>
public static class CommandLine
{
    /// <summary>Exit code of a command that could not be started at all (not installed).</summary>
    public const int NotStarted = -1;

    public static async Task<CommandResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repository.Root,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new InvalidOperationException($"{fileName} did not start.");
        }
        catch (Win32Exception exception)
        {
            return new CommandResult(NotStarted, exception.Message);
        }

        using (process)
        {
            var output = new System.Text.StringBuilder();
            var standardOutput = PumpAsync(process.StandardOutput, output);
            var standardError = PumpAsync(process.StandardError, output);
            using var deadline = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} ran past {timeout}:\n{output}");
            }

            await Task.WhenAll(standardOutput, standardError);
            return new CommandResult(process.ExitCode, output.ToString());
        }
    }

    private static async Task PumpAsync(StreamReader reader, System.Text.StringBuilder output)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }
}
