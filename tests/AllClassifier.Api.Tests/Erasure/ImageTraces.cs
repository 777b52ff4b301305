namespace AllClassifier.Api.Tests.Erasure;

/// <summary>
/// Looks for an uploaded image in the raw bytes of database files, as someone who copies the files would: 64-byte runs
/// of the upload, sampled across it, that no image kept in the database shares (so a hit can only be the upload).
/// </summary>
public sealed class ImageTraces
{
    public const int RunLength = 64;

    private readonly List<byte[]> _runs = [];

    public ImageTraces(byte[] upload, IEnumerable<byte[]> kept)
    {
        var keptImages = kept.ToList();
        for (var offset = 0; offset + RunLength <= upload.Length; offset += RunLength)
        {
            var run = upload.AsSpan(offset, RunLength).ToArray();
            // Runs of one repeated byte, or shared with a kept image (encoder tables, headers), prove nothing.
            if (run.AsSpan().IndexOfAnyExcept(run[0]) >= 0 && !keptImages.Any(image => image.AsSpan().IndexOf(run) >= 0))
            {
                _runs.Add(run);
            }
        }
    }

    public int Sampled => _runs.Count;

    /// <summary>The database file and its WAL and shared-memory files, those that exist.</summary>
    public static IReadOnlyList<string> SqliteFiles(string databasePath) =>
        [.. new[] { databasePath, databasePath + "-wal", databasePath + "-shm" }.Where(File.Exists)];

    /// <summary>How many sampled runs occur in at least one of <paramref name="files"/>.</summary>
    public int FoundIn(IEnumerable<string> files)
    {
        var contents = files.Select(ReadShared).ToList();
        return _runs.Count(run => contents.Any(bytes => bytes.AsSpan().IndexOf(run) >= 0));
    }

    /// <summary>Reads a file another process (the API, SQLite) has open for writing.</summary>
    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
