using AllClassifier.Feedback;
using AllClassifier.Model.Imaging;
using AllClassifier.Trainer.Dataset;
using AllClassifier.Trainer.Features;
using AllClassifier.Trainer.Pipeline;

namespace AllClassifier.Trainer.Tests.Pipeline;

public sealed class PreprocessAndPrepareTests : IDisposable
{
    private readonly TempDirectory _root = new();

    public PreprocessAndPrepareTests()
    {
        Write("Benign/a.png", TestImages.Png(1));
        Write("Benign/a_copy.png", TestImages.Png(1));
        Write("Early/b.png", TestImages.Png(2));
        Write("Early/b.bmp", TestImages.Bmp(2));
        Write("Pre/c.png", TestImages.Png(3));
        Write("Pre/empty.png", []);
        Write("Pro/d.png", TestImages.Png(4, 300, 200));
        Write("Pro/broken.jpg", [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5]);

        FeedbackDatabase.Create(FeedbackPath);
        FeedbackDatabase.Insert(FeedbackPath, "pre", TestImages.Png(5));
        FeedbackDatabase.Insert(FeedbackPath, "Nonsense", TestImages.Png(6));
        FeedbackDatabase.Insert(FeedbackPath, "Pro", TestImages.Png(1));
        FeedbackDatabase.Insert(FeedbackPath, "Early", null);
    }

    private string FeedbackPath => _root.Combine("feedback.db");

    private PipelineOptions Options => new()
    {
        DataDirectory = _root.Combine("data"),
        WorkDirectory = _root.Combine("work"),
        RegistryDirectory = _root.Combine("registry"),
        FeedbackDatabase = FeedbackPath,
    };

    [Fact]
    public async Task Preprocessing_resizes_removes_duplicates_skips_bad_files_and_adds_feedback()
    {
        var reporter = new RecordingReporter();

        await new PreprocessImagesTask(new ImagePreprocessor()).ExecuteAsync(Options, reporter, CancellationToken.None);

        var work = new WorkDirectory(Options.WorkDirectory);
        var index = ManifestFile.Read(work.ProcessedIndex);
        Assert.Equal(
            [("Benign", "dataset"), ("Early", "dataset"), ("Pre", "dataset"), ("Pro", "dataset"), ("Pre", "feedback")],
            index.Select(e => (e.Label, e.Source)).ToList());
        Assert.Equal(index.Count, index.Select(e => e.Sha256).Distinct().Count());
        foreach (var entry in index)
        {
            var header = new ImagePreprocessor().Inspect(File.ReadAllBytes(work.Resolve(entry.Path)));
            Assert.Equal((224, 224), (header.Width, header.Height));
        }

        var report = WorkDirectory.ReadJson<PreprocessReport>(work.PreprocessReport);
        Assert.Equal(2, report.ExactDuplicates);
        Assert.Equal(1, report.ProcessedDuplicates);
        Assert.Equal(4, report.FeedbackHighWaterMark);
        Assert.Equal(2, report.Rejected.Count);
        Assert.Contains(report.Rejected, line => line.Contains("Pre/empty.png"));
        Assert.Contains(report.Rejected, line => line.Contains("Pro/broken.jpg"));
        Assert.Contains(reporter.Warnings, line => line.Contains("feedback row 2") && line.Contains("Nonsense"));
        Assert.Contains(reporter.Warnings, line => line.Contains("feedback row 4"));
        Assert.Contains(reporter.Warnings, line => line.Contains("feedback row 3 (Pro)") && line.Contains("kept Benign"));
    }

    [Fact]
    public async Task A_feedback_image_is_named_by_the_hash_the_api_stored_instead_of_being_hashed_again()
    {
        var apiDatabase = _root.Combine("api-feedback.db");
        var image = TestImages.Png(7);
        var stored = new string('a', 64);
        FeedbackDatabase.CreateWithApiSchema(apiDatabase);
        FeedbackDatabase.Insert(apiDatabase, "Pro", image, sha256: stored);

        await new PreprocessImagesTask(new ImagePreprocessor()).ExecuteAsync(Options with { FeedbackDatabase = apiDatabase }, new RecordingReporter(), CancellationToken.None);

        var work = new WorkDirectory(Options.WorkDirectory);
        Assert.True(File.Exists(Path.Combine(work.Processed, "Pro", $"{stored}.png")));
        Assert.False(File.Exists(Path.Combine(work.Processed, "Pro", $"{ImageHash.Sha256(image)}.png")));
        Assert.Equal(stored, Assert.Single(FeedbackReader.ReadRows(apiDatabase).Rows).Sha256);
    }

    [Fact]
    public async Task A_deleted_correction_loses_its_processed_copy_and_its_feature_cache_entries_at_the_next_run()
    {
        var task = new PreprocessImagesTask(new ImagePreprocessor());
        await task.ExecuteAsync(Options, new RecordingReporter(), CancellationToken.None);
        var work = new WorkDirectory(Options.WorkDirectory);
        var index = ManifestFile.Read(work.ProcessedIndex);
        var deleted = Assert.Single(index, entry => entry.IsFeedback);
        var kept = index.First(entry => !entry.IsFeedback);
        var copy = work.Resolve(deleted.Path);
        Assert.True(File.Exists(copy));
        using (var cache = new FeatureCache(work.FeatureCache()))
        {
            cache.PutMany([(deleted.Sha256, 0, [1f]), ($"{deleted.Sha256}:blur", 0, [2f]), (kept.Sha256, 0, [3f])]);
        }

        using (var grouping = new FeatureCache(work.GroupingFeatureCache("calibration")))
        {
            grouping.PutMany([(deleted.Sha256, 0, [4f])]);
        }

        // Row 1 is the one feedback image used; the API's store deletes it as DELETE /feedback/1 does.
        var store = new SqliteFeedbackStore(
            Microsoft.Extensions.Options.Options.Create(new FeedbackOptions { Directory = Path.GetDirectoryName(FeedbackPath)! }), TimeProvider.System);
        Assert.True((await store.DeleteAsync(1, CancellationToken.None)).Deleted);
        var reporter = new RecordingReporter();
        await task.ExecuteAsync(Options, reporter, CancellationToken.None);

        Assert.False(File.Exists(copy));
        Assert.Equal(index.Where(entry => !entry.IsFeedback), ManifestFile.Read(work.ProcessedIndex));
        using (var cache = new FeatureCache(work.FeatureCache()))
        {
            Assert.Null(cache.TryGet(deleted.Sha256, 0));
            Assert.Null(cache.TryGet($"{deleted.Sha256}:blur", 0));
            Assert.Equal([3f], cache.TryGet(kept.Sha256, 0) ?? []);
        }

        using (var grouping = new FeatureCache(work.GroupingFeatureCache("calibration")))
        {
            Assert.Equal(0, grouping.Count);
        }

        Assert.Equal(new DeletedImagePurge(1, 3), WorkDirectory.ReadJson<PreprocessReport>(work.PreprocessReport).Purged);
        Assert.Contains("Purged 1 processed images and 3 feature-cache entries of images no longer in the dataset or the feedback table.", reporter.Infos);
    }

    [Fact]
    public void Rows_of_the_original_five_column_table_are_read_without_a_stored_hash()
    {
        var batch = FeedbackReader.ReadRows(FeedbackPath);

        Assert.All(batch.Rows, row => Assert.Null(row.Sha256));
        Assert.Equal(2, batch.Rows.Count);
    }

    [Fact]
    public async Task Prepare_data_writes_manifests_that_keep_feedback_out_of_test()
    {
        await new PreprocessImagesTask(new ImagePreprocessor()).ExecuteAsync(Options, new RecordingReporter(), CancellationToken.None);

        using var backbone = new BackboneFeaturizer();
        await new PrepareDataTask(new ImagePreprocessor(), new FeatureExtractor(new ImagePreprocessor(), backbone)).ExecuteAsync(Options, new RecordingReporter(), CancellationToken.None);

        var work = new WorkDirectory(Options.WorkDirectory);
        var train = ManifestFile.Read(work.TrainManifest);
        var validation = ManifestFile.Read(work.ValidationManifest);
        var test = ManifestFile.Read(work.TestManifest);
        Assert.Equal(5, train.Count + validation.Count + test.Count);
        Assert.DoesNotContain(test, e => e.IsFeedback);
        Assert.Contains(train.Concat(validation), e => e.IsFeedback);
        var summary = WorkDirectory.ReadJson<DataSummary>(work.DataSummary);
        Assert.Equal(DataSplit.Fingerprint(test), summary.TestSplitHash);
        Assert.Equal(DataSplit.Fingerprint(train.Concat(validation)), summary.TrainingDataHash);
        Assert.Equal(4, summary.FeedbackHighWaterMark);
        Assert.Equal(4, summary.NearDuplicateGroups);
        Assert.Equal(NearDuplicateGroups.DefaultMaxDistance, summary.NearDuplicateMaxDistance);
        Assert.Equal(NearDuplicateGroups.DefaultMinCosine, summary.NearDuplicateMinCosine);
        // Grouping features come from the INT8 grouping backbone, cached under its calibration; nothing fp32 is computed.
        var groupingCache = Assert.Single(Directory.GetFiles(Options.WorkDirectory, "feature-cache-grouping-*.db"));
        using (var cache = new FeatureCache(groupingCache))
        {
            Assert.Equal(5, cache.Count);
        }

        Assert.False(File.Exists(work.FeatureCache()));

        Assert.Equal(6, File.ReadLines(work.NearDuplicateGroups).Count());
        Assert.Equal("path,label,sha256,source,dhash", File.ReadLines(work.TrainManifest).First());
    }

    [Fact]
    public async Task An_index_written_before_difference_hashes_were_recorded_still_prepares_the_same_groups()
    {
        await new PreprocessImagesTask(new ImagePreprocessor()).ExecuteAsync(Options, new RecordingReporter(), CancellationToken.None);
        var work = new WorkDirectory(Options.WorkDirectory);
        var recorded = ManifestFile.Read(work.ProcessedIndex);
        Assert.All(recorded, entry => Assert.NotNull(entry.RecordedDifferenceHash));
        var options = Options with { NearDuplicateMinCosine = 0 };
        await new PrepareDataTask(new ImagePreprocessor(), null!).ExecuteAsync(options, new RecordingReporter(), CancellationToken.None);
        var groups = File.ReadAllLines(work.NearDuplicateGroups);

        File.WriteAllLines(work.ProcessedIndex, File.ReadAllLines(work.ProcessedIndex)
            .Select(line => line[..line.LastIndexOf(',')]));
        var old = ManifestFile.Read(work.ProcessedIndex);
        await new PrepareDataTask(new ImagePreprocessor(), null!).ExecuteAsync(options, new RecordingReporter(), CancellationToken.None);

        Assert.All(old, entry => Assert.Null(entry.DifferenceHash));
        Assert.Equal(recorded.Select(entry => entry with { DifferenceHash = null }), old);
        Assert.Equal(groups, File.ReadAllLines(work.NearDuplicateGroups));
    }

    public void Dispose() => _root.Dispose();

    private void Write(string relativePath, byte[] content)
    {
        var path = _root.Combine("data", relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }
}
