using System.Runtime.InteropServices;

namespace AllClassifier.Model.Registry;

/// <summary>
/// Writes that survive a power cut once they return: file contents are flushed to the device before the rename
/// that publishes them, and the directory holding a new name is synced so the rename itself is on disk.
/// </summary>
public static class DurableFile
{
    private const int ReadOnly = 0;

    /// <summary>Writes <paramref name="content"/> to a new file and flushes it to the storage device.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        stream.Write(content);
        stream.Flush(flushToDisk: true);
    }

    public static void WriteAllText(string path, string content) =>
        WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(content));

    /// <summary>Flushes a directory's entries (new, renamed or deleted names) to the storage device.</summary>
    public static void SyncDirectory(string directory)
    {
        // Windows has no directory fsync; NTFS journals renames itself.
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var descriptor = Open(NullTerminatedUtf8(directory), ReadOnly);
        if (descriptor < 0)
        {
            throw new IOException($"Cannot open directory '{directory}' to sync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(descriptor) != 0)
            {
                throw new IOException($"Cannot sync directory '{directory}' (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    private static byte[] NullTerminatedUtf8(string path) => System.Text.Encoding.UTF8.GetBytes(path + '\0');

    // DllImport with blittable arguments only: LibraryImport would need unsafe code in this assembly.
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int descriptor);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int descriptor);
}
