using AllClassifier.Model;
using AllClassifier.Trainer.Dataset;

namespace AllClassifier.Trainer.Tests.Dataset;

public sealed class DatasetScannerTests
{
    [Fact]
    public void Finds_class_folders_in_any_case_and_under_Original()
    {
        using var root = new TempDirectory();
        Write(root.Combine("benign", "a.png"));
        Write(root.Combine("EARLY", "b.png"));
        Write(root.Combine("Original", "pre", "c.png"));
        Write(root.Combine("Original", "Pro", "nested", "d.png"));
        Write(root.Combine("Segmented", "Pro", "ignored.png"));
        Write(root.Combine("notes", "ignored.png"));

        var files = DatasetScanner.Scan(root.Path);

        Assert.Equal(
            [("EARLY/b.png", CellClass.Early), ("Original/Pro/nested/d.png", CellClass.Pro), ("Original/pre/c.png", CellClass.Pre), ("benign/a.png", CellClass.Benign)],
            files.Select(f => (f.RelativePath, f.Label)).ToList());
    }

    [Fact]
    public void A_folder_without_class_folders_is_an_error_that_says_what_is_expected()
    {
        using var root = new TempDirectory();
        Write(root.Combine("images", "a.png"));

        var error = Assert.Throws<InvalidDataException>(() => DatasetScanner.Scan(root.Path));
        Assert.Contains("Benign/Early/Pre/Pro", error.Message);
    }

    private static void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, TestImages.Png(1));
    }
}
