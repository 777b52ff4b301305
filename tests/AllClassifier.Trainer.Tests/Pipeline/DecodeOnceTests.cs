using AllClassifier.Model.Tests.Imaging;
using AllClassifier.Trainer.Dataset;
using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Tests.Commands;
using AllClassifier.Training.Augmentation;
using Xunit.Abstractions;

namespace AllClassifier.Trainer.Tests.Pipeline;

/// <summary>The imaging counters hear every thread of the process: these tests run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ImagingCountsCollection
{
    public const string Name = "imaging counts";
}

/// <summary>
/// How often each task reads, decodes and hashes the images of a small synthetic dataset: preprocess_images decodes each
/// image once and hashes the bytes it writes, later tasks take the difference hash from the manifest and decode an
/// image once for all of its views and shifted copies.
/// </summary>
[Collection(ImagingCountsCollection.Name)]
public sealed class DecodeOnceTests(ITestOutputHelper output) : IDisposable
{
    private const int PerClass = 8;

    // PipelineOptions.LatencySampleSize's default: test_classifier decodes that many test images again to time them end to end.
    private const int LatencySampleSize = 32;

    private readonly TempDirectory _root = new();

    [Fact]
    public async Task Each_task_decodes_an_image_once_for_all_its_views_and_shifts_and_preprocessing_hashes_what_it_writes()
    {
        var data = _root.Combine("data");
        var (synthExit, synthOutput) = await Cli.RunAsync("synth", "--out", data, "--per-class", PerClass.ToString(), "--seed", "11");
        Assert.True(synthExit == 0, synthOutput);
        string[] common = ["--workdir", _root.Combine("work"), "--registry", _root.Combine("registry")];
        using var counts = new ImagingCounts();

        var preprocess = await Measure(counts, ["task", PipelineTaskIds.PreprocessImages, "--data", data, .. common]);
        var prepare = await Measure(counts, ["task", PipelineTaskIds.PrepareData, .. common]);
        var train = await Measure(counts, ["task", PipelineTaskIds.TrainClassifier, .. common, "--no-int8", "--epochs", "5"]);
        var test = await Measure(counts, ["task", PipelineTaskIds.TestClassifier, .. common, "--evaluate-shifts"]);

        var work = new WorkDirectory(_root.Combine("work"));
        var index = ManifestFile.Read(work.ProcessedIndex);
        var (trainSplit, validation, testSplit) =
            (ManifestFile.Read(work.TrainManifest), ManifestFile.Read(work.ValidationManifest), ManifestFile.Read(work.TestManifest));
        var (n, t, v, s) = (index.Count, trainSplit.Count, validation.Count, testSplit.Count);
        Assert.Equal(4 * PerClass, n);
        Assert.All(index, entry => Assert.Matches("^[0-9a-f]{16}$", entry.DifferenceHash));
        // A shifted copy whose chain re-compresses as JPEG decodes those bytes once more: the shift's own artefacts.
        var trainJpegSteps = trainSplit.Concat(validation).Sum(entry => JpegSteps(entry.Sha256, PipelineOptions.DefaultAugmentShifts));
        var calibration = Math.Min(PrepareDataTask.GroupingCalibrationImages, n);
        var selfCheck = Math.Min(3, v);
        var latency = 1 + Math.Min(LatencySampleSize, s);
        var jpegEvaluationShifts = AcquisitionShift.Evaluation.Count(shift => shift.Kind == AcquisitionShiftKind.Jpeg);

        Assert.Equal(
            [
                new ImageWork(HeaderReads: n, Decodes: n, Hashes: 2 * n),
                new ImageWork(calibration + n, calibration + n, 0),
                // Quality of the validation images and their shifted copies (one decode each), features of train and
                // validation images in every view and shift (one decode each), the self-check's few images.
                new ImageWork(v + t + v + selfCheck, v + t + v + selfCheck + trainJpegSteps, 0, trainJpegSteps),
                // Features (all views), the referral gate's quality, the end-to-end latency sample and every
                // evaluation shift from one more decode.
                new ImageWork(s + s + latency + s, s + s + latency + s + (jpegEvaluationShifts * s), 0, jpegEvaluationShifts * s),
            ],
            [preprocess, prepare, train, test]);
    }

    public void Dispose() => _root.Dispose();

    private static int JpegSteps(string sha256, int count) =>
        AcquisitionShift.Augmentations(sha256, count).Sum(shift =>
        {
            var steps = 0;
            for (var step = shift; step is not null; step = step.Then)
            {
                steps += step.Kind == AcquisitionShiftKind.Jpeg ? 1 : 0;
            }

            return steps;
        });

    private async Task<ImageWork> Measure(ImagingCounts counts, string[] args)
    {
        var before = counts.Now;
        var (exitCode, text) = await Cli.RunAsync(args);
        Assert.True(exitCode == 0, text);
        var work = counts.Now - before;
        output.WriteLine($"{args[1]}: {work}");
        return work;
    }
}
