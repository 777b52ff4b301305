using AllClassifier.Feedback;
using AllClassifier.Model.Imaging;
using AllClassifier.Trainer.Dataset;
using AllClassifier.Trainer.Pipeline;

namespace AllClassifier.Trainer.Tests.Dataset;

public sealed class FeedbackReaderTests : IDisposable
{
    private const int ImageBytes = 256 * 1024;
    private readonly TempDirectory _root = new();

    private string DatabasePath => _root.Combine("feedback.db");

    [Fact]
    public void Rows_are_listed_without_their_images_and_each_image_is_read_on_its_own()
    {
        FeedbackDatabase.Create(DatabasePath);
        var random = new Random(3);
        var images = Enumerable.Range(0, 40).Select(_ =>
        {
            var bytes = new byte[ImageBytes];
            random.NextBytes(bytes);
            return bytes;
        }).ToList();
        foreach (var image in images)
        {
            FeedbackDatabase.Insert(DatabasePath, "Pre", image);
        }

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var batch = FeedbackReader.ReadRows(DatabasePath);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.Equal(40, batch.Rows.Count);
        Assert.True(allocated < ImageBytes, $"listing 40 rows of {ImageBytes:N0} bytes allocated {allocated:N0} bytes");
        Assert.Equal(images[17], FeedbackReader.ReadImage(DatabasePath, batch.Rows[17].Id));
    }

    [Fact]
    public async Task Feedback_images_cut_short_are_skipped_and_never_become_training_images()
    {
        Directory.CreateDirectory(_root.Combine("data", "Benign"));
        File.WriteAllBytes(_root.Combine("data", "Benign", "whole.png"), TestImages.Png(1));
        var png = TestImages.Png(2);
        var bmp = TestImages.Bmp(3);
        FeedbackDatabase.Create(DatabasePath);
        FeedbackDatabase.Insert(DatabasePath, "Pre", png[..(png.Length * 9 / 10)]);
        FeedbackDatabase.Insert(DatabasePath, "Pro", bmp[..(bmp.Length * 9 / 10)]);
        var options = new PipelineOptions
        {
            DataDirectory = _root.Combine("data"),
            WorkDirectory = _root.Combine("work"),
            RegistryDirectory = _root.Combine("registry"),
            FeedbackDatabase = DatabasePath,
        };

        await new PreprocessImagesTask(new ImagePreprocessor()).ExecuteAsync(options, new RecordingReporter(), CancellationToken.None);

        var work = new WorkDirectory(options.WorkDirectory);
        Assert.Equal(["dataset"], ManifestFile.Read(work.ProcessedIndex).Select(entry => entry.Source));
        var report = WorkDirectory.ReadJson<PreprocessReport>(work.PreprocessReport);
        Assert.Contains(report.Rejected, line => line.Contains("feedback row 1"));
        Assert.Contains(report.Rejected, line => line.Contains("feedback row 2") && line.Contains("truncated"));
    }

    public void Dispose() => _root.Dispose();
}
