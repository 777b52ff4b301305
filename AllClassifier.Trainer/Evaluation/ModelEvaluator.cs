using System.Numerics.Tensors;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Registry;
using AllClassifier.Trainer.Dataset;
using AllClassifier.Trainer.Features;
using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Training;
using AllClassifier.Training.Augmentation;
using AllClassifier.Training.Heads;
using AllClassifier.Training.Onnx;
using AllClassifier.Training.Quantization;

namespace AllClassifier.Trainer.Evaluation;

/// <summary>Scores labelled images with a trained head on cached features, or with a registered model end to end.</summary>
public sealed class ModelEvaluator(ImagePreprocessor preprocessor, FeatureExtractor extractor)
{
    /// <summary>
    /// Backbone features (original view, or as <paramref name="shift"/> changes it) of <paramref name="entries"/>, fp32
    /// or of the INT8 backbone calibrated with <paramref name="int8Backbone"/>, computed only where not cached.
    /// </summary>
    public IReadOnlyList<float[]> Features(
        WorkDirectory work,
        IReadOnlyList<ManifestEntry> entries,
        IPipelineReporter reporter,
        CancellationToken cancellationToken,
        ActivationRanges? int8Backbone = null,
        AcquisitionShift? shift = null,
        FeatureLayout layout = FeatureLayout.GlobalPool) =>
        ViewFeatures(work, entries, [DihedralView.Identity], reporter, cancellationToken, int8Backbone, shift, layout)[0];

    /// <summary>
    /// <see cref="Features"/> of each of <paramref name="views"/>: element [v][i] is entry i seen in view v. The
    /// cache keys features by view, so each view is computed once per backbone and layout.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<float[]>> ViewFeatures(
        WorkDirectory work,
        IReadOnlyList<ManifestEntry> entries,
        IReadOnlyList<int> views,
        IPipelineReporter reporter,
        CancellationToken cancellationToken,
        ActivationRanges? int8Backbone = null,
        AcquisitionShift? shift = null,
        FeatureLayout layout = FeatureLayout.GlobalPool) =>
        ShiftedViewFeatures(work, entries, views, [shift], reporter, cancellationToken, int8Backbone, layout)[0];

    /// <summary>
    /// <see cref="ViewFeatures"/> under each of <paramref name="shifts"/> (null: the image as it is), element [s][v][i],
    /// from one extraction, so each image is read and decoded once for all of its shifts and views.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<IReadOnlyList<float[]>>> ShiftedViewFeatures(
        WorkDirectory work,
        IReadOnlyList<ManifestEntry> entries,
        IReadOnlyList<int> views,
        IReadOnlyList<AcquisitionShift?> shifts,
        IPipelineReporter reporter,
        CancellationToken cancellationToken,
        ActivationRanges? int8Backbone = null,
        FeatureLayout layout = FeatureLayout.GlobalPool)
    {
        var requests = shifts
            .SelectMany(shift => views.SelectMany(view => entries.Select(entry => new FeatureRequest(work.Resolve(entry.Path), entry.Sha256, view, shift))))
            .ToList();
        using var cache = new FeatureCache(int8Backbone is null ? work.FeatureCache(layout) : work.Int8FeatureCache(int8Backbone.Fingerprint(), layout));
        var shifted = shifts.Count == 1
            ? shifts[0] is { } only ? $" under {only.Key}" : ""
            : $" under {shifts.Count} shifts";
        var features = reporter.WithProgress(
            (int8Backbone is null ? "Test features" : "Test features (INT8)")
                + (views.Count == 1 ? "" : $" in {views.Count} views")
                + shifted,
            requests.Count,
            progress => extractor.Extract(cache, requests, progress, cancellationToken, int8Backbone, layout)).Features;
        return [.. shifts.Select((_, s) => (IReadOnlyList<IReadOnlyList<float[]>>)[.. views.Select((_, v) =>
            (IReadOnlyList<float[]>)[.. features.Skip(((s * views.Count) + v) * entries.Count).Take(entries.Count)])])];
    }

    /// <summary>
    /// The head's probabilities for each image averaged over its views (<paramref name="viewFeatures"/>[v][i]), as the
    /// API averages a model's over the card's test-time views.
    /// </summary>
    public static IReadOnlyList<float[]> MeanProbabilities(ClassifierHead head, IReadOnlyList<IReadOnlyList<float[]>> viewFeatures) =>
        MeanOverViews(viewFeatures, vector => head.PredictProbabilities(vector));

    public static int[] Predict(IReadOnlyList<float[]> probabilities) =>
        [.. probabilities.Select(vector => TensorPrimitives.IndexOfMax<float>(vector))];

    public static int[] Predict(ClassifierHead head, IReadOnlyList<float[]> features) =>
        features.Select(vector => TensorPrimitives.IndexOfMax(head.PredictProbabilities(vector))).ToArray();

    /// <summary>
    /// Calibration of <paramref name="head"/> (temperature already folded in) on labelled features in one or more views
    /// (probabilities averaged over them): its reliability bins and ECE, and the ECE the same head has with the
    /// temperature taken out again.
    /// </summary>
    public static CalibrationReport Calibration(ClassifierHead head, double temperature, IReadOnlyList<int> actual, IReadOnlyList<IReadOnlyList<float[]>> viewFeatures)
    {
        var bins = CalibrationReport.BinsOf(actual, MeanProbabilities(head, viewFeatures));
        var uncalibrated = CalibrationReport.BinsOf(
            actual,
            MeanOverViews(viewFeatures, vector => TemperatureScaling.Probabilities(head.Logits(vector), 1 / temperature)));
        return new CalibrationReport
        {
            Temperature = temperature,
            ExpectedCalibrationError = CalibrationReport.ExpectedCalibrationErrorOf(bins),
            UncalibratedExpectedCalibrationError = CalibrationReport.ExpectedCalibrationErrorOf(uncalibrated),
            Bins = bins,
        };
    }

    private static IReadOnlyList<float[]> MeanOverViews(IReadOnlyList<IReadOnlyList<float[]>> viewFeatures, Func<float[], float[]> probabilities)
    {
        var means = new float[viewFeatures[0].Count][];
        for (var i = 0; i < means.Length; i++)
        {
            var sum = probabilities(viewFeatures[0][i]);
            for (var v = 1; v < viewFeatures.Count; v++)
            {
                TensorPrimitives.Add(sum, probabilities(viewFeatures[v][i]), sum);
            }

            TensorPrimitives.Divide(sum, viewFeatures.Count, sum);
            means[i] = sum;
        }

        return means;
    }

    /// <summary>
    /// The metrics of a registered version on these images as it is served: through its saved head on the cached fp32
    /// features when the version is fp32, scores one view and carries a head (the self-check proved it equal to its ONNX
    /// model), else through its ONNX model over its card's test-time views (an INT8 head was trained on features of its
    /// own calibration, which the fp32 features are not).
    /// </summary>
    public EvaluationMetrics Evaluate(
        RegisteredVersion version,
        WorkDirectory work,
        IReadOnlyList<ManifestEntry> entries,
        IReadOnlyList<float[]> features,
        CancellationToken cancellationToken)
    {
        var actual = entries.Select(entry => (int)entry.Class).ToList();
        var headPath = Path.Combine(version.Directory, HeadFile.FileName);
        var viewCount = version.Card.TestTimeAugmentation;
        if (version.Card.Precision == BackbonePrecision.Fp32 && viewCount == 1 && File.Exists(headPath))
        {
            return EvaluationMetrics.FromPredictions(actual, Predict(MeanProbabilities(HeadFile.Load(headPath), [features])));
        }

        using var classifier = OnnxClassifier.Load(version.ModelPath, new ScorerOptions { IntraOpThreads = Environment.ProcessorCount });
        var viewBuffer = new float[ImagePreprocessor.TensorLength];
        var predicted = new List<int>();
        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var probabilities = classifier.ClassifyViews(preprocessor.ToTensor(File.ReadAllBytes(work.Resolve(entry.Path))), viewCount, viewBuffer);
            predicted.Add(TensorPrimitives.IndexOfMax<float>(probabilities));
        }

        return EvaluationMetrics.FromPredictions(actual, predicted);
    }
}
