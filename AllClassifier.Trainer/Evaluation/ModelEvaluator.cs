using AllClassifier.Training.Heads;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Registry;
using AllClassifier.Trainer.Dataset;
using AllClassifier.Trainer.Features;
using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Training;
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
        FeatureLayout layout = FeatureLayout.GlobalPool)
    {
        var requests = entries.Select(entry => new FeatureRequest(work.Resolve(entry.Path), entry.Sha256, DihedralView.Identity, shift)).ToList();
        using var cache = new FeatureCache(int8Backbone is null ? work.FeatureCache(layout) : work.Int8FeatureCache(int8Backbone.Fingerprint(), layout));
        return reporter.WithProgress(
            (int8Backbone is null ? "Test features" : "Test features (INT8)") + (shift is null ? "" : $" under {shift.Key}"),
            requests.Count,
            progress => extractor.Extract(cache, requests, progress, cancellationToken, int8Backbone, layout)).Features;
    }

    public static int[] Predict(ClassifierHead head, IReadOnlyList<float[]> features) =>
        features.Select(vector => System.Numerics.Tensors.TensorPrimitives.IndexOfMax(head.PredictProbabilities(vector))).ToArray();

    /// <summary>
    /// Calibration of <paramref name="head"/> (temperature already folded in) on labelled features: its reliability
    /// bins and ECE, and the ECE the same head has with the temperature taken out again.
    /// </summary>
    public static CalibrationReport Calibration(ClassifierHead head, double temperature, IReadOnlyList<int> actual, IReadOnlyList<float[]> features)
    {
        var logits = features.Select(vector => head.Logits(vector)).ToList();
        var bins = CalibrationReport.BinsOf(actual, logits.Select(vector => TemperatureScaling.Probabilities(vector, 1)).ToList());
        var uncalibrated = CalibrationReport.BinsOf(actual, logits.Select(vector => TemperatureScaling.Probabilities(vector, 1 / temperature)).ToList());
        return new CalibrationReport
        {
            Temperature = temperature,
            ExpectedCalibrationError = CalibrationReport.ExpectedCalibrationErrorOf(bins),
            UncalibratedExpectedCalibrationError = CalibrationReport.ExpectedCalibrationErrorOf(uncalibrated),
            Bins = bins,
        };
    }

    /// <summary>
    /// The metrics of a registered version on these images: through its saved head on the cached fp32 features when the
    /// version is fp32 and carries one (the self-check proved it equal to its ONNX model), else through its ONNX model
    /// (an INT8 head was trained on features of its own calibration, which the fp32 features are not).
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
        if (version.Card.Precision == BackbonePrecision.Fp32 && File.Exists(headPath))
        {
            return EvaluationMetrics.FromPredictions(actual, Predict(HeadFile.Load(headPath), features));
        }

        using var classifier = OnnxClassifier.Load(version.ModelPath, new ScorerOptions { IntraOpThreads = Environment.ProcessorCount });
        var predicted = new List<int>();
        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            predicted.Add(classifier.Score(preprocessor.ToTensor(File.ReadAllBytes(work.Resolve(entry.Path)))).PredictedClass);
        }

        return EvaluationMetrics.FromPredictions(actual, predicted);
    }
}
