using System.ComponentModel;
using AllClassifier.Feedback;
using AllClassifier.Model.Imaging;
using AllClassifier.Trainer.Dataset;
using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Quantization;
using AllClassifier.Trainer.Retraining;
using AllClassifier.Trainer.Training;
using AllClassifier.Trainer.Worker;
using AllClassifier.Training.Augmentation;
using AllClassifier.Training.Heads;
using AllClassifier.Training.Onnx;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AllClassifier.Trainer.Commands;

/// <summary>
/// Options shared by <c>run</c> and <c>task</c>; unset paths fall back on the trainer's bound options
/// (<see cref="WorkerOptions"/>, <see cref="FeedbackOptions"/>).
/// </summary>
public class PipelineSettings : CommandSettings
{
    [CommandOption("--data <DIR>")]
    [Description("Dataset root with class folders Benign/Early/Pre/Pro (or Original/<Class>). Default: Trainer:DataDirectory ($DATA_DIR).")]
    public string? DataDirectory { get; init; }

    [CommandOption("--workdir <DIR>")]
    [Description("Work directory for processed images, manifests, the feature cache and runs. Default: Trainer:WorkDirectory ($WORK_DIR), else /app/work.")]
    public string? WorkDirectory { get; init; }

    [CommandOption("--registry <DIR>")]
    [Description("Model registry root. Default: Trainer:RegistryDirectory ($MODEL_REGISTRY_DIR), else /app/registry.")]
    public string? RegistryDirectory { get; init; }

    [CommandOption("--feedback-db <FILE>")]
    [Description("The API's feedback database. Default: feedback.db in Feedback:Directory ($FEEDBACK_DIR), else /app/data/feedback.db.")]
    public string? FeedbackDatabase { get; init; }

    [CommandOption("--head <KIND>")]
    [Description("Classifier head: softmax, mlp, or auto (trains both and keeps the better on validation).")]
    [DefaultValue("softmax")]
    public string Head { get; init; } = "softmax";

    [CommandOption("--seed <N>")]
    [Description("Seed for splits, augmentation and training.")]
    [DefaultValue(42)]
    public int Seed { get; init; } = 42;

    [CommandOption("--augment-views <N>")]
    [Description("Extra rotated/flipped views per training image (0-7).")]
    [DefaultValue(1)]
    public int AugmentViews { get; init; } = 1;

    [CommandOption("--tta-views <N>")]
    [Description("Test-time augmentation: rotated/flipped views the served model scores and averages per image (1, 2, 4 or 8; 1 = off). Each view is one more backbone pass per prediction; the test metrics and latency are measured the same way.")]
    [DefaultValue(1)]
    public int TestTimeViews { get; init; } = 1;

    [CommandOption("--referral-coverage <SHARE>")]
    [Description("Share of held-out in-distribution images the referral gate lets through; its thresholds are chosen on the validation split at this coverage (0.5-0.9999).")]
    [DefaultValue(Model.Referral.ReferralGate.DefaultCoverage)]
    public double ReferralCoverage { get; init; } = Model.Referral.ReferralGate.DefaultCoverage;

    [CommandOption("--augment-shifts <N>")]
    [Description("Extra copies per training image under random acquisition shifts, each changing magnification, stain colour or hue, and focus or JPEG compression (0-8).")]
    [DefaultValue(PipelineOptions.DefaultAugmentShifts)]
    public int AugmentShifts { get; init; } = PipelineOptions.DefaultAugmentShifts;

    [CommandOption("--evaluate-shifts")]
    [Description("test_classifier also scores the test split under fixed acquisition shifts and reports each accuracy and the worst drop.")]
    public bool EvaluateShifts { get; init; }

    [CommandOption("--near-duplicate-distance <BITS>")]
    [Description("Images whose 64-bit difference hashes differ in at most this many bits are kept in one split (0-64).")]
    [DefaultValue(NearDuplicateGroups.DefaultMaxDistance)]
    public int NearDuplicateDistance { get; init; } = NearDuplicateGroups.DefaultMaxDistance;

    [CommandOption("--near-duplicate-cosine <COSINE>")]
    [Description("Images whose backbone features have at least this cosine similarity are also kept in one split (0-1; 0 groups by hash only).")]
    [DefaultValue(NearDuplicateGroups.DefaultMinCosine)]
    public double NearDuplicateCosine { get; init; } = NearDuplicateGroups.DefaultMinCosine;

    [CommandOption("--features <LAYOUT>")]
    [Description("Backbone features for the head: multi_scale (last and third stage, the third also pooled over the stained nuclei; 1,024) or global_pool (last stage only; 512).")]
    [DefaultValue("multi_scale")]
    public string Features { get; init; } = FeatureLayout.MultiScale.Name();

    [CommandOption("--epochs <N>")]
    [Description("Most training epochs (training stops earlier when validation stops improving).")]
    [DefaultValue(120)]
    public int Epochs { get; init; } = 120;

    [CommandOption("--learning-rate <RATE>")]
    [Description("Adam learning rate.")]
    [DefaultValue(0.002f)]
    public float LearningRate { get; init; } = 0.002f;

    [CommandOption("--keep-challengers <N>")]
    [Description("Registry versions kept besides the champion and the previous champion; register_model prunes older ones and their run folders. Default: Trainer:ChallengersToKeep ($REGISTRY_KEEP_CHALLENGERS), else 3.")]
    public int? ChallengersToKeep { get; init; }

    [CommandOption("--no-int8")]
    [Description("Build and serve only the fp32 model (no INT8 candidate).")]
    public bool NoInt8 { get; init; }

    [CommandOption("--compare-fp32")]
    [Description("Also train an fp32 model (every feature computed twice) and serve it instead when the INT8 model's test macro-F1 is lower by more than --int8-max-f1-drop.")]
    public bool CompareFp32 { get; init; }

    [CommandOption("--int8-max-f1-drop <DROP>")]
    [Description("With --compare-fp32: largest test macro-F1 drop (0..1) below the fp32 model for which the INT8 model is served.")]
    [DefaultValue(0.003)]
    public double Int8MaxMacroF1Drop { get; init; } = 0.003;

    [CommandOption("--run-id <ID>")]
    [Description("Run for test_classifier / register_model. Default: the latest trained run.")]
    public string? RunId { get; init; }

    private bool IsAutoHead => string.Equals(Head, "auto", StringComparison.OrdinalIgnoreCase);

    public override ValidationResult Validate()
    {
        if (!IsAutoHead && !Enum.TryParse<HeadKind>(Head, ignoreCase: true, out _))
        {
            return ValidationResult.Error($"--head must be softmax, mlp or auto, not '{Head}'.");
        }

        if (!FeatureLayouts.TryParse(Features, out _))
        {
            return ValidationResult.Error($"--features must be multi_scale or global_pool, not '{Features}'.");
        }

        if (AugmentViews is < 0 or > 7)
        {
            return ValidationResult.Error("--augment-views must be between 0 and 7.");
        }

        if (!DihedralView.TestTimeViewCounts.Contains(TestTimeViews))
        {
            return ValidationResult.Error("--tta-views must be 1, 2, 4 or 8.");
        }

        if (ReferralCoverage is < 0.5 or > 0.9999)
        {
            return ValidationResult.Error("--referral-coverage must be between 0.5 and 0.9999.");
        }

        if (AugmentShifts is < 0 or > 8)
        {
            return ValidationResult.Error("--augment-shifts must be between 0 and 8.");
        }

        if (NearDuplicateDistance is < 0 or > 64)
        {
            return ValidationResult.Error("--near-duplicate-distance must be between 0 and 64.");
        }

        if (NearDuplicateCosine is < 0 or > 1)
        {
            return ValidationResult.Error("--near-duplicate-cosine must be between 0 and 1.");
        }

        if (ChallengersToKeep < 1)
        {
            return ValidationResult.Error("--keep-challengers must be at least 1: the newest version holds the feedback high-water mark.");
        }

        return Epochs < 1 ? ValidationResult.Error("--epochs must be at least 1.") : ValidationResult.Success();
    }

    public PipelineOptions ToOptions(WorkerOptions shared, FeedbackOptions feedback)
    {
        var feedbackDatabase = FeedbackDatabase ?? feedback.DatabasePath;
        return new PipelineOptions
        {
            DataDirectory = DataDirectory ?? NonEmpty(shared.DataDirectory),
            WorkDirectory = WorkDirectory ?? shared.WorkDirectory,
            RegistryDirectory = RegistryDirectory ?? shared.RegistryDirectory,
            FeedbackDatabase = feedbackDatabase,
            FeedbackConnectionString = feedback.PostgresConnectionString,
            Seed = Seed,
            AugmentViews = AugmentViews,
            TestTimeViews = TestTimeViews,
            ReferralCoverage = ReferralCoverage,
            Features = FeatureLayouts.TryParse(Features, out var layout) ? layout : FeatureLayout.MultiScale,
            AugmentShifts = AugmentShifts,
            EvaluateAcquisitionShifts = EvaluateShifts,
            NearDuplicateMaxDistance = NearDuplicateDistance,
            NearDuplicateMinCosine = NearDuplicateCosine,
            RunId = RunId,
            ChallengersToKeep = ChallengersToKeep ?? shared.ChallengersToKeep,
            Int8 = new Int8Options { Enabled = !NoInt8, CompareWithFp32 = CompareFp32, MaxMacroF1Drop = Int8MaxMacroF1Drop },
            Training = new HeadTrainingOptions
            {
                Kind = IsAutoHead ? HeadKind.Softmax : Enum.Parse<HeadKind>(Head, ignoreCase: true),
                ChooseKindByValidation = IsAutoHead,
                MaxEpochs = Epochs,
                LearningRate = LearningRate,
                Seed = Seed,
            },
            Sensor = SensorOptions(feedbackDatabase, shared, feedback) with { FeedbackConnectionString = feedback.PostgresConnectionString },
        };
    }

    protected virtual SensorOptions SensorOptions(string feedbackDatabase, WorkerOptions shared, FeedbackOptions feedback) =>
        new() { FeedbackDatabase = feedbackDatabase, Threshold = feedback.Threshold };

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
