using AllClassifier.Model.Registry;
using AllClassifier.Trainer.Training;

namespace AllClassifier.Trainer.Pipeline;

/// <summary>
/// The artifacts of one run, <c>runs/&lt;run_id&gt;/</c>: train_classifier writes the model, head, history, run
/// record and a copy of the manifests; test_classifier the metrics and confusion matrix; register_model the
/// registration. Every task finds them here; a registered version keeps the same file names.
/// </summary>
public sealed record RunFiles(string Directory)
{
    public const string ModelFileName = "model.onnx";
    public const string Int8ModelFileName = "model-int8.onnx";
    public const string Int8HeadFileName = "head-int8.json";
    public const string Int8CalibrationFileName = "int8_calibration.json";
    public const string InfoFileName = "run.json";
    public const string HistoryFileName = "training_history.json";
    public const string MetricsFileName = "metrics.json";
    public const string RegistrationFileName = "registration.json";
    public const string ManifestsFolder = "manifests";
    public const string ReferralGateFileName = "referral_gate.json";
    public const string Int8ReferralGateFileName = "referral_gate-int8.json";
    public const string GateParametersFileName = "referral_gate.bin";
    public const string Int8GateParametersFileName = "referral_gate-int8.bin";

    public string Model => Path.Combine(Directory, ModelFileName);

    public string Head => Path.Combine(Directory, HeadFile.FileName);

    /// <summary>The INT8 candidate: its model, the head trained on its features, and its activation ranges.</summary>
    public string Int8Model => Path.Combine(Directory, Int8ModelFileName);

    public string Int8Head => Path.Combine(Directory, Int8HeadFileName);

    public string Int8Calibration => Path.Combine(Directory, Int8CalibrationFileName);

    /// <summary>The model and head files of the candidate served at <paramref name="precision"/>.</summary>
    public (string Model, string Head) Served(string precision) =>
        precision == BackbonePrecision.Int8 ? (Int8Model, Int8Head) : (Model, Head);

    /// <summary>
    /// The referral gate of the candidate served at <paramref name="precision"/>: its card entry (thresholds, coverage)
    /// and its fitted parameters, which test_classifier scores the test split with; absent for runs without a gate.
    /// </summary>
    public (string Card, string Parameters) ReferralGate(string precision) =>
        precision == BackbonePrecision.Int8
            ? (Path.Combine(Directory, Int8ReferralGateFileName), Path.Combine(Directory, Int8GateParametersFileName))
            : (Path.Combine(Directory, ReferralGateFileName), Path.Combine(Directory, GateParametersFileName));

    public string History => Path.Combine(Directory, HistoryFileName);

    public string Info => Path.Combine(Directory, InfoFileName);

    public string Metrics => Path.Combine(Directory, MetricsFileName);

    public string ConfusionMatrix => Path.Combine(Directory, LocalModelRegistry.ConfusionMatrixFileName);

    public string Registration => Path.Combine(Directory, RegistrationFileName);

    /// <summary>The copies of the work directory's manifests the run was trained on.</summary>
    public string Manifests => Path.Combine(Directory, ManifestsFolder);

    /// <summary>The run's copy of a work-directory manifest (same file name).</summary>
    public string ManifestCopy(string workManifest) => Path.Combine(Manifests, Path.GetFileName(workManifest));
}
