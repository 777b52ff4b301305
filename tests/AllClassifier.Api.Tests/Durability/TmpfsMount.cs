using System.Diagnostics;

namespace AllClassifier.Api.Tests.Durability;

/// <summary>
/// A size-limited file system (tmpfs) mounted for one test, so "disk full" is a real ENOSPC from the kernel.
/// Mounting needs root (or CAP_SYS_ADMIN); where the kernel refuses it, tests using it are skipped with the reason.
/// </summary>
public sealed class TmpfsMount : IDisposable
{
    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    /// <summary>Why a tmpfs cannot be mounted here, or null when it can. Any other mount failure is not a skip.</summary>
    public static string? NotPermittedReason { get; } = Probe();

    public static TmpfsMount Create(long sizeBytes)
    {
        var path = Directory.CreateTempSubdirectory("allclassifier-tmpfs-").FullName;
        var (exitCode, output) = Run("mount", "-t", "tmpfs", "-o", $"size={sizeBytes}", "tmpfs", path);
        if (exitCode != 0)
        {
            Directory.Delete(path);
            throw new InvalidOperationException($"mount -t tmpfs failed ({exitCode}): {output}");
        }

        return new TmpfsMount(path);
    }

    /// <summary>Writes a file until the kernel answers ENOSPC; deleting it gives the space back.</summary>
    public string FillRemainingSpace()
    {
        var filler = System.IO.Path.Combine(Path, "filler.bin");
        var block = new byte[4096];
        using var stream = new FileStream(filler, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        try
        {
            while (true)
            {
                stream.Write(block);
            }
        }
        catch (IOException)
        {
            return filler;
        }
    }

    public void Dispose()
    {
        // Lazy: a pooled SQLite handle still open elsewhere must not leave the mount behind.
        Run("umount", "-l", Path);
        Directory.Delete(Path, recursive: true);
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "tmpfs mounts need Linux";
        }

        TmpfsMount mount;
        try
        {
            mount = Create(64 * 1024);
        }
        catch (InvalidOperationException ex) when (IsPermissionRefusal(ex.Message))
        {
            return $"mounting a tmpfs is not permitted here: {ex.Message}";
        }
        catch (InvalidOperationException)
        {
            return null; // mounting fails for another reason: the test runs and reports it
        }

        mount.Dispose();
        return null;
    }

    private static bool IsPermissionRefusal(string message) =>
        message.Contains("permission denied", StringComparison.OrdinalIgnoreCase)
        || message.Contains("not permitted", StringComparison.OrdinalIgnoreCase)
        || message.Contains("must be superuser", StringComparison.OrdinalIgnoreCase)
        || message.Contains("only root", StringComparison.OrdinalIgnoreCase);

    private static (int ExitCode, string Output) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, (output.Result + error).Trim());
    }
}

/// <summary>A fact that needs <see cref="TmpfsMount"/>: skipped, with the kernel's reason, only where mounting is refused.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (TmpfsMount.NotPermittedReason is { } reason)
        {
            Skip = reason;
        }
    }
}
