using System.Diagnostics;
using System.Reflection;

namespace AllClassifier.AppHost.Tests;

/// <summary>
/// Every Bicep module in <c>infra/</c> compiles with the Bicep compiler (NuGet <c>Azure.Bicep.CommandLine</c>)
/// without an error or a warning: the compiler knows Azure's resource types, so a misspelt property or a wrong API
/// version fails here rather than at <c>azd up</c>. Nothing is deployed.
/// </summary>
public sealed class BicepModuleTests
{
    private static readonly TimeSpan CompileDeadline = TimeSpan.FromMinutes(2);

    public static TheoryData<string> Modules() =>
        [.. Directory.GetFiles(Path.Combine(AzdProjectTests.FindRepositoryRoot(), "infra"), "*.bicep").Select(file => Path.GetFileName(file))];

    [Theory]
    [MemberData(nameof(Modules))]
    public async Task Module_compiles_without_errors_or_warnings(string module)
    {
        var path = Path.Combine(AzdProjectTests.FindRepositoryRoot(), "infra", module);

        var (exitCode, output, errors) = await CompileAsync(path);

        Assert.True(exitCode == 0, $"bicep build {module} exited {exitCode}:\n{errors}");
        Assert.DoesNotContain("Warning", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Error", errors, StringComparison.Ordinal);
        Assert.Contains("deploymentTemplate.json", output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output, string Errors)> CompileAsync(string path)
    {
        var compiler = typeof(BicepModuleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "BicepPath").Value!.Replace('\\', '/');
        // NuGet unpacks the compiler without its execute bit on some systems.
        if (!OperatingSystem.IsWindows() && !File.GetUnixFileMode(compiler).HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(compiler, File.GetUnixFileMode(compiler) | UnixFileMode.UserExecute);
        }

        var start = new ProcessStartInfo(compiler)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "build", path, "--stdout" })
        {
            start.ArgumentList.Add(argument);
        }

        // The compiler is offline: no telemetry, no registry look-ups for a module with only local references.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(CompileDeadline);
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output, await errors);
    }
}
