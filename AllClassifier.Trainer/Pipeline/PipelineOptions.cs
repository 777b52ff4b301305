using AllClassifier.Model.Registry;
using AllClassifier.Trainer.Dataset;
using AllClassifier.Trainer.Quantization;
using AllClassifier.Trainer.Retraining;
using AllClassifier.Trainer.Training;
using AllClassifier.Training.Augmentation;
using AllClassifier.Training.Onnx;

namespace AllClassifier.Trainer.Pipeline;

/// <summary>Everything a pipeline run or a single task needs to know.</summary>
public sealed record PipelineOptions
{
    /// <summary>The dataset root (class folders); needed by preprocess_images.</summary>
    public string? DataDirectory { get; init; }

    public required string WorkDirectory { get; init; }

    public required string RegistryDirectory { get; init; }

    /// <summary>The API's feedback database; feedback is left out when unset or missing.</summary>
    public string? FeedbackDatabase { get; init; }

    /// <summary>The PostgreSQL feedback table; when set it is read instead of <see cref="FeedbackDatabase"/>.</summary>
    public string? FeedbackConnectionString { get; init; }

    public int Seed { get; init; } = 42;

    public HeadTrainingOptions Training { get; init; } = new();

    /// <summary>The backbone features the head is trained on and the composed model computes.</summary>
    public FeatureLayout Features { get; init; } = FeatureLayout.MultiScale;

    public Int8Options Int8 { get; init; } = new();

    /// <summary>Extra dihedral views computed per training image (0..7).</summary>
    public int AugmentViews { get; init; } = 1;

    /// <summary>
    /// Extra copies per training image under random acquisition shifts (<see cref="Training.Augmentation.AcquisitionShift.Augmentations"/>:
    /// magnification, stain or hue, blur or JPEG together). Two, because on the public dataset they bring the worst
    /// accuracy drop under a shift down to about a point without costing accuracy.
    /// </summary>
    public int AugmentShifts { get; init; } = DefaultAugmentShifts;

    public const int DefaultAugmentShifts = 2;

    /// <summary>
    /// Dihedral views (<see cref="Model.Imaging.DihedralView.TestTimeViews"/>: 1, 2, 4 or 8) whose probabilities
    /// test_classifier averages and the served card asks the API to average; each is one backbone pass per image.
    /// 1 (off) because the default model meets its accuracy target without.
    /// </summary>
    public int TestTimeViews { get; init; } = 1;

    /// <summary>
    /// The share of held-out in-distribution images the referral gate lets through (<see cref="Model.Referral.ReferralGate"/>);
    /// its thresholds are chosen on the validation split at this coverage.
    /// </summary>
    public double ReferralCoverage { get; init; } = Model.Referral.ReferralGate.DefaultCoverage;

    /// <summary>Whether test_classifier also scores the test split under each of <see cref="Training.Augmentation.AcquisitionShift.Evaluation"/>.</summary>
    public bool EvaluateAcquisitionShifts { get; init; }

    public double TestFraction { get; init; } = DataSplit.DefaultTestFraction;

    public double ValidationFraction { get; init; } = DataSplit.DefaultValidationFraction;

    /// <summary>Images whose difference hashes differ in at most this many bits are kept in one split.</summary>
    public int NearDuplicateMaxDistance { get; init; } = NearDuplicateGroups.DefaultMaxDistance;

    /// <summary>Images whose backbone features have at least this cosine are also kept in one split; 0 turns it off.</summary>
    public double NearDuplicateMinCosine { get; init; } = NearDuplicateGroups.DefaultMinCosine;

    /// <summary>The run test_classifier and register_model work on; the latest trained run when unset.</summary>
    public string? RunId { get; init; }

    /// <summary>Test images scored end to end through the composed model to measure latency.</summary>
    public int LatencySampleSize { get; init; } = 32;

    /// <summary>Unaliased registry versions register_model keeps besides the champion and the previous champion.</summary>
    public int ChallengersToKeep { get; init; } = LocalModelRegistry.DefaultChallengersToKeep;

    /// <summary>The wait_feedback sensor's settings; null when there is no feedback database.</summary>
    public SensorOptions? Sensor { get; init; }
}
