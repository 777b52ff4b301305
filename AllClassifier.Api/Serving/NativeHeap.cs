using System.Runtime.InteropServices;

namespace AllClassifier.Api.Serving;

/// <summary>
/// Keeps the native heap of a process that loads and drops ONNX Runtime sessions from growing with every model swap
/// or with every new thread, and reports its size.
/// </summary>
/// <remarks>
/// A session's weights and arena are tens of megabytes of native memory in blocks of up to a few megabytes. glibc
/// serves blocks above its mmap threshold with their own mappings, which go back to the system when freed, but it
/// raises that threshold to the size of every such block freed (up to 32 MB): after the first model swap, the next
/// model's weights land on the heap, where the dropped model's pages stay resident and fragmented. A fixed threshold
/// keeps every large block in its own mapping, and a trim after dropping a model returns what the heap freed.
/// <para>
/// glibc also gives each new thread that allocates an arena of its own, up to eight per core, and every arena keeps
/// the pages its blocks were freed from. Under load the thread pool, Kestrel and ONNX Runtime start threads one after
/// another, so the resident set creeps up for minutes; a bound on arenas makes threads share them instead.
/// </para>
/// Elsewhere than glibc (other C libraries, other systems) these calls are skipped and nothing is reported.
/// </remarks>
internal static class NativeHeap
{
    /// <summary>glibc's default initial threshold; fixing it (any explicit value) turns off the sliding threshold.</summary>
    public const int LargeBlockBytes = 128 * 1024;

    private const int MmapThresholdParameter = -3; // M_MMAP_THRESHOLD in malloc.h
    private const int ArenaMaxParameter = -8; // M_ARENA_MAX in malloc.h

    private static readonly bool IsGlibc = OperatingSystem.IsLinux() && HasGlibc();

    /// <summary>Serves every block of at least <see cref="LargeBlockBytes"/> from its own mapping, from now on.</summary>
    /// <returns>Whether the C library took the setting.</returns>
    public static bool KeepLargeBlocksOffTheHeap() => IsGlibc && Mallopt(MmapThresholdParameter, LargeBlockBytes) == 1;

    /// <summary>
    /// Lets glibc create no more than <paramref name="maxArenas"/> arenas (the main one included). glibc fixes its
    /// limit for good when a thread asks for an arena while more than eight exist, so this must run before the process
    /// has started many threads.
    /// </summary>
    /// <returns>Whether the C library took the setting.</returns>
    public static bool BoundArenas(int maxArenas) => IsGlibc && maxArenas > 0 && Mallopt(ArenaMaxParameter, maxArenas) == 1;

    /// <summary>Hands the heap's free pages back to the system (after a model was dropped).</summary>
    public static void ReturnFreePages()
    {
        if (IsGlibc)
        {
            _ = MallocTrim(0);
        }
    }

    /// <summary>Arenas glibc has created so far, the main one included; null where the C library is not glibc.</summary>
    public static int? ArenaCount()
    {
        if (!IsGlibc)
        {
            return null;
        }

        // malloc_info writes one <heap nr="…"> element per arena; a memory stream collects its XML. glibc updates
        // the buffer and size locations until fclose, so they live in native memory rather than in pinned locals.
        var locations = Marshal.AllocHGlobal(2 * IntPtr.Size);
        try
        {
            var stream = OpenMemoryStream(locations, locations + IntPtr.Size);
            if (stream == IntPtr.Zero)
            {
                return null;
            }

            var written = MallocInfo(0, stream) == 0;
            _ = FileClose(stream);
            var buffer = Marshal.ReadIntPtr(locations);
            try
            {
                var length = (int)Marshal.ReadIntPtr(locations + IntPtr.Size);
                return written ? Marshal.PtrToStringUTF8(buffer, length).AsSpan().Count("<heap nr=") : null;
            }
            finally
            {
                Free(buffer);
            }
        }
        finally
        {
            Marshal.FreeHGlobal(locations);
        }
    }

    /// <summary>
    /// Bytes the heap holds from the system: every arena's heap plus the blocks in mappings of their own (mallinfo2's
    /// arena + hblkhd); null where the C library is not glibc or too old to have mallinfo2 (before 2.33).
    /// </summary>
    public static long? HeldBytes()
    {
        if (!IsGlibc)
        {
            return null;
        }

        try
        {
            var info = MallInfo2();
            return checked((long)(info.Arena + info.MappedBytes));
        }
        catch (EntryPointNotFoundException)
        {
            return null;
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

    /// <summary>glibc's <c>struct mallinfo2</c>, every field a <c>size_t</c>, in declaration order.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly struct HeapStatistics
    {
        public readonly nuint Arena;
        public readonly nuint OrdinaryFreeChunks;
        public readonly nuint FastBinChunks;
        public readonly nuint MappedBlocks;
        public readonly nuint MappedBytes;
        public readonly nuint Unused;
        public readonly nuint FastBinFreeBytes;
        public readonly nuint AllocatedBytes;
        public readonly nuint FreeBytes;
        public readonly nuint TrimmableBytes;
    }

    // DllImport with blittable arguments only: LibraryImport would need unsafe code in this assembly.
    [DllImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static extern IntPtr GnuGetLibcVersion();

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern HeapStatistics MallInfo2();

    [DllImport("libc", EntryPoint = "malloc_info")]
    private static extern int MallocInfo(int options, IntPtr stream);

    [DllImport("libc", EntryPoint = "open_memstream")]
    private static extern IntPtr OpenMemoryStream(IntPtr bufferLocation, IntPtr sizeLocation);

    [DllImport("libc", EntryPoint = "fclose")]
    private static extern int FileClose(IntPtr stream);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void Free(IntPtr block);
}
