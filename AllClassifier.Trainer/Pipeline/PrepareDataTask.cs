using AllClassifier.Model;
using AllClassifier.Trainer.Dataset;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AllClassifier.Trainer.Pipeline;

/// <summary>What prepare_data produced: the identity of the data and how many images of each kind went where.</summary>
public sealed record DataSummary
{
    public int Seed { get; init; }

    /// <summary>Fingerprint of the training and validation images (what the model learns from).</summary>
    public required string TrainingDataHash { get; init; }

    public required string TestSplitHash { get; init; }

    public long FeedbackHighWaterMark { get; init; }

    /// <summary>Groups of near-duplicate dataset images kept inside one split (see <see cref="NearDuplicateGroups"/>).</summary>
    public int NearDuplicateGroups { get; init; }

    /// <summary>The largest difference-hash distance, in bits, at which two images were grouped.</summary>
    public int NearDuplicateMaxDistance { get; init; }

    /// <summary>Counts keyed <c>split/class/source</c>, for example <c>train/Pre/feedback</c>.</summary>
    public IReadOnlyDictionary<string, int> Counts { get; init; } = new Dictionary<string, int>();

    public static IReadOnlyDictionary<string, int> CountsOf(DataSplit split) =>
        new[] { ("train", split.Train), ("val", split.Validation), ("test", split.Test) }
            .SelectMany(part => part.Item2.Select(entry => $"{part.Item1}/{entry.Class.Name()}/{entry.Source}"))
            .GroupBy(key => key)
            .OrderBy(group => group.Key, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.Count());
}

/// <summary>
/// prepare_data: groups near-duplicate processed images (re-captured frames of one field), splits them into
/// train/val/test manifests with every group inside one split (stratified, seeded, feedback never in test; see
/// <see cref="DataSplit.Create"/>) and records the data's fingerprints and the number of groups.
/// </summary>
public sealed class PrepareDataTask : IPipelineTask
{
    public string Id => PipelineTaskIds.PrepareData;

    public Task<string> ExecuteAsync(PipelineOptions options, IPipelineReporter reporter, CancellationToken cancellationToken)
    {
        var work = new WorkDirectory(options.WorkDirectory);
        var images = ManifestFile.Read(work.ProcessedIndex);
        var preprocess = WorkDirectory.ReadJson<PreprocessReport>(work.PreprocessReport);
        var groups = NearDuplicateGroups.Form(Hash(images, work, cancellationToken), options.NearDuplicateMaxDistance);
        var split = DataSplit.Create(images, options.Seed, options.TestFraction, options.ValidationFraction, groups);
        var missing = CellClasses.All.Where(c => !split.Train.Any(entry => entry.Class == c)).ToList();
        if (missing.Count > 0)
        {
            reporter.Warning($"No training images for {string.Join(", ", missing.Select(c => c.Name()))}.");
        }

        ManifestFile.Write(work.TrainManifest, split.Train);
        ManifestFile.Write(work.ValidationManifest, split.Validation);
        ManifestFile.Write(work.TestManifest, split.Test);
        var summary = new DataSummary
        {
            Seed = options.Seed,
            TrainingDataHash = DataSplit.Fingerprint(split.Train.Concat(split.Validation)),
            TestSplitHash = DataSplit.Fingerprint(split.Test),
            FeedbackHighWaterMark = preprocess.FeedbackHighWaterMark,
            Counts = DataSummary.CountsOf(split),
            NearDuplicateGroups = groups.DatasetGroups,
            NearDuplicateMaxDistance = options.NearDuplicateMaxDistance,
        };
        WorkDirectory.WriteJson(work.DataSummary, summary);
        File.WriteAllLines(
            work.NearDuplicateGroups,
            images.Select(image => $"{image.Sha256},{groups.KeyOf(image)},{image.Label}").Order(StringComparer.Ordinal).Prepend("sha256,group,label"));
        var datasetImages = images.Where(image => !image.IsFeedback).DistinctBy(image => image.Sha256, StringComparer.OrdinalIgnoreCase).Count();
        return Task.FromResult(
            $"{groups.DatasetGroups} near-duplicate groups from {datasetImages} dataset images (dHash distance <= {options.NearDuplicateMaxDistance}); " +
            $"train {split.Train.Count}, val {split.Validation.Count}, test {split.Test.Count} images (test split {summary.TestSplitHash[..12]})");
    }

    private static HashedImage[] Hash(IReadOnlyList<ManifestEntry> images, WorkDirectory work, CancellationToken cancellationToken)
    {
        var hashed = new HashedImage[images.Count];
        Parallel.For(
            0,
            images.Count,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
            i =>
            {
                using var image = Image.Load<Rgb24>(work.Resolve(images[i].Path));
                hashed[i] = new HashedImage(images[i], DifferenceHash.Of(image));
            });
        return hashed;
    }
}
