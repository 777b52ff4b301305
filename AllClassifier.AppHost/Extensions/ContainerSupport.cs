using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace AllClassifier.AppHost.Extensions;

/// <summary>
/// Decides whether the app host declares container resources (MLflow, Prometheus, Grafana, node exporter).
/// A container resource without a running engine never starts, and anything waiting for it waits forever,
/// so in run mode containers are only added when the engine answers — unless configuration says otherwise.
/// Publish mode always includes them: the manifest describes the deployed system, not this machine.
/// </summary>
public static class ContainerSupport
{
    /// <summary><c>auto</c> (default: ask the engine), <c>always</c> or <c>never</c>.</summary>
    public const string ConfigurationKey = "AllClassifier:Containers";

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    public static bool UseContainers(this IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return true;
        }

        var setting = builder.Configuration[ConfigurationKey]?.Trim().ToLowerInvariant();
        return setting switch
        {
            null or "" or "auto" => EngineAnswers(ContainerRuntime(builder.Configuration)),
            "always" or "true" => true,
            "never" or "false" => false,
            _ => throw new InvalidOperationException(
                $"{ConfigurationKey} must be 'auto', 'always' or 'never', not '{setting}'."),
        };
    }

    /// <summary>The engine Aspire runs containers with: <c>docker</c> (default) or <c>podman</c>, from the setting Aspire reads.</summary>
    public static string ContainerRuntime(IConfiguration configuration) =>
        configuration["ASPIRE_CONTAINER_RUNTIME"] ?? configuration["DOTNET_ASPIRE_CONTAINER_RUNTIME"] ?? "docker";

    /// <summary>The name a container of <paramref name="runtime"/> reaches this host by.</summary>
    public static string HostAlias(string runtime) =>
        string.Equals(runtime, "podman", StringComparison.OrdinalIgnoreCase) ? "host.containers.internal" : "host.docker.internal";

    private static bool EngineAnswers(string runtime)
    {
        var startInfo = new ProcessStartInfo(runtime, "info")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        try
        {
            using var process = Process.Start(startInfo);
            if (process is null)
            {
                return false;
            }

            // Drain the pipes so a chatty CLI cannot block on a full buffer.
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(ProbeTimeout))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (Win32Exception)
        {
            return false; // the CLI is not installed
        }
    }
}
