using AllClassifier.Model;

namespace AllClassifier.Trainer.Dataset;

/// <summary>An image file found in a dataset folder, labelled by its class folder.</summary>
public sealed record DatasetFile(string Path, string RelativePath, CellClass Label);

/// <summary>
/// Finds the labelled images of a dataset laid out as <c>root/&lt;Class&gt;/*</c> or
/// <c>root/Original/&lt;Class&gt;/*</c> (the public ALL dataset's layout), class folders matched in any case.
/// Other folders (for example the public dataset's <c>Segmented/</c> copies) are not read.
/// </summary>
public static class DatasetScanner
{
    private const string OriginalFolder = "Original";

    public static IReadOnlyList<DatasetFile> Scan(string root)
    {
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The dataset folder '{root}' does not exist.");
        }

        var classFolders = ClassFolders(root).ToList();
        foreach (var original in Directory.EnumerateDirectories(root)
                     .Where(d => string.Equals(System.IO.Path.GetFileName(d), OriginalFolder, StringComparison.OrdinalIgnoreCase)))
        {
            classFolders.AddRange(ClassFolders(original));
        }

        if (classFolders.Count == 0)
        {
            throw new InvalidDataException(
                $"The dataset folder '{root}' has no class folders; expected {string.Join("/", CellClasses.Names)} under it or under {OriginalFolder}/.");
        }

        return classFolders
            .SelectMany(folder => Directory.EnumerateFiles(folder.Path, "*", SearchOption.AllDirectories)
                .Where(file => !System.IO.Path.GetFileName(file).StartsWith('.'))
                .Select(file => new DatasetFile(file, System.IO.Path.GetRelativePath(root, file).Replace('\\', '/'), folder.Label)))
            .OrderBy(file => file.RelativePath, StringComparer.Ordinal)
            .ToList();
    }

    private static IEnumerable<(string Path, CellClass Label)> ClassFolders(string parent) =>
        Directory.EnumerateDirectories(parent)
            .Select(path => (Path: path, Name: System.IO.Path.GetFileName(path)))
            .Select(folder => (folder.Path, Index: IndexOfName(folder.Name)))
            .Where(folder => folder.Index >= 0)
            .Select(folder => (folder.Path, (CellClass)folder.Index));

    // Folder names must be class names; index-like names such as "0" are not treated as classes.
    private static int IndexOfName(string name)
    {
        for (var i = 0; i < CellClasses.Count; i++)
        {
            if (string.Equals(name, CellClasses.Names[i], StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
