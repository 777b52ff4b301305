using System.Runtime.InteropServices;

namespace AllClassifier.Api.Serving;

/// <summary>
/// Keeps the native heap of a process that loads and drops ONNX Runtime sessions from growing with every model swap.
/// </summary>
/// <remarks>
/// A session's weights and arena are tens of megabytes of native memory in blocks of up to a few megabytes. glibc
/// serves blocks above its mmap threshold with their own mappings, which go back to the system when freed, but it
/// raises that threshold to the size of every such block freed (up to 32 MB): after the first model swap, the next
/// model's weights land on the heap, where the dropped model's pages stay resident and fragmented. A fixed threshold
/// keeps every large block in its own mapping, and a trim after dropping a model returns what the heap freed.
/// Elsewhere than glibc (other C libraries, other systems) these calls are skipped.
/// </remarks>
internal static class NativeHeap
{
    /// <summary>glibc's default initial threshold; fixing it (any explicit value) turns off the sliding threshold.</summary>
    public const int LargeBlockBytes = 128 * 1024;

    private const int MmapThresholdParameter = -3; // M_MMAP_THRESHOLD in malloc.h

    private static readonly bool IsGlibc = OperatingSystem.IsLinux() && HasGlibc();

    /// <summary>Serves every block of at least <see cref="LargeBlockBytes"/> from its own mapping, from now on.</summary>
    /// <returns>Whether the C library took the setting.</returns>
    public static bool KeepLargeBlocksOffTheHeap() => IsGlibc && Mallopt(MmapThresholdParameter, LargeBlockBytes) == 1;

    /// <summary>Hands the heap's free pages back to the system (after a model was dropped).</summary>
    public static void ReturnFreePages()
    {
        if (IsGlibc)
        {
            _ = MallocTrim(0);
        }
    }

    private static bool HasGlibc()
    {
        try
        {
            return !string.IsNullOrEmpty(GnuLibcVersion());
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    private static string? GnuLibcVersion() => Marshal.PtrToStringUTF8(GnuGetLibcVersion());

    // DllImport with blittable arguments only: LibraryImport would need unsafe code in this assembly.
    [DllImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static extern IntPtr GnuGetLibcVersion();

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
