using System.Diagnostics;
using System.Reflection;
using Xunit.Abstractions;

namespace AllClassifier.Fuzz.Tests;

/// <summary>A fact that needs AFL++ on PATH (scripts/test.sh installs it); skipped with that reason elsewhere.</summary>
public sealed class AflFactAttribute : FactAttribute
{
    public AflFactAttribute()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, "afl-fuzz")));
        if (!onPath)
        {
            Skip = "afl-fuzz is not installed (apt-get install afl++)";
        }
    }
}

/// <summary>
/// The bounded CI run of fuzz/run.sh: a fixed AFL seed and a fixed number of executions over the seed corpus and
/// the kept findings. A crash or hang it finds is a real defect in the upload path: keep the input in
/// fuzz/AllClassifier.Fuzz/regressions and fix the code.
/// </summary>
public sealed class AflSmokeTests(ITestOutputHelper output)
{
    private const string Executions = "20000";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(110);

    [AflFact]
    public async Task A_bounded_afl_run_over_the_upload_path_finds_no_crash_or_hang()
    {
        var metadata = typeof(AflSmokeTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().ToDictionary(a => a.Key, a => a.Value!);
        var findings = Directory.CreateTempSubdirectory("allclassifier-fuzz-").FullName;
        var start = new ProcessStartInfo("bash")
        {
            // afl-fuzz stops at the execution count, or at the time limit on a very slow machine.
            ArgumentList = { Path.Combine(metadata["RepositoryRoot"], "fuzz", "run.sh"), ((int)Limit.TotalSeconds - 40).ToString(System.Globalization.CultureInfo.InvariantCulture), findings },
            WorkingDirectory = metadata["RepositoryRoot"],
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["FUZZ_HARNESS_DIR"] = metadata["HarnessDirectory"];
        start.Environment["FUZZ_EXECS"] = Executions;
        start.Environment["FUZZ_SEED"] = "2026";

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"fuzz/run.sh ran over {Limit.TotalSeconds} s; its output is in {findings}");
        }

        var report = (await stdout) + (await stderr);
        output.WriteLine(report);

        // Findings stay on disk when the run fails, for replay and for keeping as regressions.
        Assert.True(process.ExitCode == 0, $"fuzz/run.sh exited {process.ExitCode} (output in {findings}):{Environment.NewLine}{report}");
        Assert.Contains("crashes: 0  hangs: 0", report);
        Directory.Delete(findings, recursive: true);
    }
}
