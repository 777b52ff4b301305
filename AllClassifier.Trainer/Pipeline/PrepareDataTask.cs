using System.Globalization;
using AllClassifier.Model;
using AllClassifier.Model.Imaging;
using AllClassifier.Trainer.Dataset;
using AllClassifier.Trainer.Features;
using AllClassifier.Training.Onnx;
using AllClassifier.Training.Quantization;

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

    /// <summary>The smallest backbone-feature cosine at which two images were grouped; 0 when features were not used.</summary>
    public double NearDuplicateMinCosine { get; init; }

    /// <summary>Pairs of dataset images linked by their difference hashes.</summary>
    public int NearDuplicateHashLinks { get; init; }

    /// <summary>Pairs of dataset images linked by their backbone features.</summary>
    public int NearDuplicateFeatureLinks { get; init; }

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
/// prepare_data: groups near-duplicate processed images (re-captured frames of one field: close difference hashes or
/// close backbone features of an INT8 backbone calibrated for grouping), splits them into
/// train/val/test manifests with every group inside one split (stratified, seeded, feedback never in test; see
/// <see cref="DataSplit.Create"/>) and records the data's fingerprints and the number of groups.
/// </summary>
public sealed class PrepareDataTask(ImagePreprocessor preprocessor, FeatureExtractor extractor) : IPipelineTask
{
    /// <summary>Dataset images, evenly spaced through the index, whose activations calibrate the grouping backbone.</summary>
    public const int GroupingCalibrationImages = 32;

    public string Id => PipelineTaskIds.PrepareData;

    public Task<string> ExecuteAsync(PipelineOptions options, IPipelineReporter reporter, CancellationToken cancellationToken)
    {
        var work = new WorkDirectory(options.WorkDirectory);
        var images = ManifestFile.Read(work.ProcessedIndex);
        var preprocess = WorkDirectory.ReadJson<PreprocessReport>(work.PreprocessReport);
        var features = options.NearDuplicateMinCosine > 0 ? Features(images, work, reporter, cancellationToken) : null;
        var groups = NearDuplicateGroups.Form(Hash(images, features, work, cancellationToken), options.NearDuplicateMaxDistance, options.NearDuplicateMinCosine);
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
            NearDuplicateMinCosine = features is null ? 0 : options.NearDuplicateMinCosine,
            NearDuplicateHashLinks = groups.HashLinks,
            NearDuplicateFeatureLinks = groups.FeatureLinks,
        };
        WorkDirectory.WriteJson(work.DataSummary, summary);
        File.WriteAllLines(
            work.NearDuplicateGroups,
            images.Select(image => $"{image.Sha256},{groups.KeyOf(image)},{image.Label}").Order(StringComparer.Ordinal).Prepend("sha256,group,label"));
        var datasetImages = images.Where(image => !image.IsFeedback).DistinctBy(image => image.Sha256, StringComparer.OrdinalIgnoreCase).Count();
        var criteria = features is null
            ? $"dHash distance <= {options.NearDuplicateMaxDistance}"
            : string.Create(CultureInfo.InvariantCulture, $"dHash distance <= {options.NearDuplicateMaxDistance}: {groups.HashLinks} links, or feature cosine >= {options.NearDuplicateMinCosine}: {groups.FeatureLinks} links");
        return Task.FromResult(
            $"{groups.DatasetGroups} near-duplicate groups from {datasetImages} dataset images ({criteria}); " +
            $"train {split.Train.Count}, val {split.Validation.Count}, test {split.Test.Count} images (test split {summary.TestSplitHash[..12]})");
    }

    /// <summary>
    /// Backbone features of every image as it is, in manifest order, for grouping only. They come from an INT8
    /// backbone (a third of the fp32 cost: every image of the dataset passes through it) calibrated on dataset images
    /// spread over the whole index. Calibration sees no labels, and the served model is calibrated separately on
    /// training images only; feedback images are left out of it so that new feedback keeps every cached feature valid.
    /// </summary>
    private IReadOnlyList<float[]> Features(IReadOnlyList<ManifestEntry> images, WorkDirectory work, IPipelineReporter reporter, CancellationToken cancellationToken)
    {
        var dataset = images.Where(entry => !entry.IsFeedback).ToList();
        var pool = dataset.Count > 0 ? dataset : images.ToList();
        var stride = Math.Max(1, pool.Count / GroupingCalibrationImages);
        var calibration = pool.Where((_, index) => index % stride == 0).Take(GroupingCalibrationImages)
            .Select(entry => preprocessor.ToTensor(File.ReadAllBytes(work.Resolve(entry.Path))));
        var ranges = BackboneCalibrator.Calibrate(BackboneFiles.InDirectory(), calibration, Environment.ProcessorCount);
        var requests = images.Select(entry => new FeatureRequest(work.Resolve(entry.Path), entry.Sha256, DihedralView.Identity)).ToList();
        using var cache = new FeatureCache(work.GroupingFeatureCache(ranges.Fingerprint()));
        var result = reporter.WithProgress(
            "Extracting features for grouping (INT8)",
            requests.Count,
            progress => extractor.Extract(cache, requests, progress, cancellationToken, ranges));
        reporter.Info($"features: {result.CacheHits} from cache, {result.Computed} computed");
        return result.Features;
    }

    /// <summary>
    /// The difference hash preprocess_images recorded for each image; only an index written before it recorded them
    /// has its images decoded again here.
    /// </summary>
    private static HashedImage[] Hash(IReadOnlyList<ManifestEntry> images, IReadOnlyList<float[]>? features, WorkDirectory work, CancellationToken cancellationToken)
    {
        var hashed = new HashedImage[images.Count];
        Parallel.For(
            0,
            images.Count,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
            i =>
            {
                if (images[i].RecordedDifferenceHash is { } recorded)
                {
                    hashed[i] = new HashedImage(images[i], recorded, features?[i]);
                    return;
                }

                using var image = ImagePreprocessor.DecodeOwn(File.ReadAllBytes(work.Resolve(images[i].Path)));
                hashed[i] = new HashedImage(images[i], DifferenceHash.Of(image), features?[i]);
            });
        return hashed;
    }
}
