using AllClassifier.Model;
using CsvHelper;

namespace AllClassifier.Trainer.Dataset;

/// <summary>Where an image came from.</summary>
public static class ImageSource
{
    public const string Dataset = "dataset";
    public const string Feedback = "feedback";
}

/// <summary>
/// One row of a manifest: a processed image (path relative to the work directory), its class name, the SHA-256 of
/// the processed file, where it came from, and its difference hash (<see cref="Dataset.DifferenceHash"/>, 16 hex
/// digits) taken by preprocess_images from the pixels it had decoded anyway; empty in manifests written before it was
/// recorded.
/// </summary>
[CsvRecord]
public sealed partial record ManifestEntry(
    [CsvColumn("path")] string Path,
    [CsvColumn("label")] string Label,
    [CsvColumn("sha256")] string Sha256,
    [CsvColumn("source")] string Source,
    [CsvColumn("dhash")] string? DifferenceHash = null)
{
    [CsvIgnore]
    public CellClass Class => CellClasses.Parse(Label);

    [CsvIgnore]
    public bool IsFeedback => Source == ImageSource.Feedback;

    /// <summary>The recorded difference hash, or null where the manifest has none.</summary>
    [CsvIgnore]
    public ulong? RecordedDifferenceHash =>
        ulong.TryParse(DifferenceHash, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var hash)
            ? hash
            : null;
}

/// <summary>Reads and writes manifest CSV files (columns path,label,sha256,source,dhash).</summary>
public static class ManifestFile
{
    public static void Write(string path, IEnumerable<ManifestEntry> entries)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        using (var csv = CsvWriter.ToFile(temporary, null, FileOptions.None))
        {
            csv.WriteRecords(entries);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public static IReadOnlyList<ManifestEntry> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The manifest '{path}' does not exist; run the task that writes it first.", path);
        }

        using var csv = CsvReader.FromFile(path, null, FileOptions.SequentialScan);
        var entries = csv.GetRecords<ManifestEntry>().ToList();
        foreach (var entry in entries)
        {
            if (!CellClasses.TryParse(entry.Label, out _))
            {
                throw new InvalidDataException($"The manifest '{path}' has an unknown label '{entry.Label}' for '{entry.Path}'.");
            }
        }

        return entries;
    }
}
