namespace AllClassifier.Containers.Tests;

/// <summary>Podman and podman-compose, as the container stack's tests drive them.</summary>
public static class Podman
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Why containers cannot run on this machine, or null when they can: Podman must be installed and its
    /// <c>info</c> must succeed (scripts/containers.sh installs and configures it).
    /// </summary>
    public static async Task<string?> WhyUnusableAsync()
    {
        var info = await CommandLine.RunAsync("podman", ["info", "--format", "{{.Host.OCIRuntime.Name}}"], ProbeTimeout);
        return info.ExitCode switch
        {
            CommandLine.NotStarted => "Podman is not installed (scripts/containers.sh installs and prepares it).",
            0 => null,
            _ => $"'podman info' fails here, so no container can run:\n{info.Output}",
        };
    }

    /// <summary>
    /// Skips the calling test when containers cannot run here, except on CI (<c>CI=true</c>): there the
    /// container path is part of what is tested, and a skip would let a broken script or image pass quietly.
    /// </summary>
    public static void SkipIfUnusable(string? whyUnusable)
    {
        if (whyUnusable is null)
        {
            return;
        }

        if (RunsOnCi)
        {
            Assert.Fail($"CI=true, so the container tests must run, but: {whyUnusable}");
        }

        Skip.If(true, whyUnusable);
    }

    private static bool RunsOnCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static Task<CommandResult> RunAsync(params string[] arguments) =>
        CommandLine.RunAsync("podman", arguments, CommandTimeout);

    /// <summary>Runs a podman command that must succeed, and answers what it printed.</summary>
    public static async Task<string> RequireAsync(params string[] arguments)
    {
        var result = await RunAsync(arguments);
        Assert.True(result.Succeeded, $"podman {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.Output}");
        return result.Output.Trim();
    }
}
