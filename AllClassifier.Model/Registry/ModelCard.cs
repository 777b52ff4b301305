using System.Text.Json;
using System.Text.Json.Serialization;

namespace AllClassifier.Model.Registry;

/// <summary>
/// <c>model.json</c> beside each registered <c>model.onnx</c>: what the model is, how it was made and how well it
/// did. Serialized in snake_case; the API serves it as is.
/// </summary>
public sealed record ModelCard
{
    public string Name { get; init; } = LocalModelRegistry.ModelName;

    public int Version { get; init; }

    public required string RunId { get; init; }

    public DateTimeOffset Created { get; init; }

    public IReadOnlyList<string> Classes { get; init; } = CellClasses.Names;

    public IReadOnlyList<string> DisplayNames { get; init; } = CellClasses.DisplayNames;

    public string Head { get; init; } = "softmax";

    public string Preprocessing { get; init; } = Imaging.ImagePreprocessor.Description;

    public string Backbone { get; init; } = "ResNet18 (ImageNet, Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1)";

    public required EvaluationMetrics Metrics { get; init; }

    /// <summary>The served backbone's arithmetic (<see cref="BackbonePrecision"/>); fp32 for cards written before INT8.</summary>
    public string Precision { get; init; } = BackbonePrecision.Fp32;

    /// <summary>Test macro-F1 of the run's fp32 model, whichever precision was served; absent when the run trained none (INT8 only, the default).</summary>
    public double? Fp32MacroF1 { get; init; }

    /// <summary>Test macro-F1 of the INT8 candidate of the run; absent when none was built.</summary>
    public double? Int8MacroF1 { get; init; }

    /// <summary>SHA-256 over the sorted content hashes and labels of every image the model saw.</summary>
    public required string TrainingDataHash { get; init; }

    /// <summary>SHA-256 over the test split, so two versions' metrics are known to come from the same images.</summary>
    public string? TestSplitHash { get; init; }

    /// <summary>The champion when this version was trained, if any.</summary>
    public int? ParentVersion { get; init; }

    /// <summary>Feedback rows (by id) included in training; the retraining sensor counts rows after it.</summary>
    public long FeedbackHighWaterMark { get; init; }

    /// <summary>
    /// How many dihedral views (<see cref="Imaging.DihedralView.TestTimeViews"/>) of each image are scored and their
    /// probabilities averaged, one backbone pass each; 1, the image alone, for cards written before it.
    /// </summary>
    public int TestTimeAugmentation { get; init; } = 1;

    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>SHA-256 (lower-case hex) of the version's <c>model.onnx</c>, set at registration; servers refuse a file that differs.</summary>
    public string? ModelSha256 { get; init; }

    public static string Sha256Of(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content));

    /// <summary>
    /// Which linear weights the model's class activation map uses (<see cref="Onnx.ClassActivationMapVariant"/>);
    /// absent for models composed before the map existed, which serve without one.
    /// </summary>
    public string? ClassActivationMap { get; init; }

    /// <summary>
    /// The referral gate fitted with the model (thresholds, coverage, quality limits); null for cards written before
    /// gates existed, whose models serve without one.
    /// </summary>
    public Referral.ReferralGate? ReferralGate { get; init; }

    /// <summary>
    /// Each class's share of the training images (before augmentation), by class name: the reference mix the API's
    /// class-mix drift gauge compares recent predictions with. Empty for cards written before it.
    /// </summary>
    public IReadOnlyDictionary<string, double> TrainingClassMix { get; init; } = new Dictionary<string, double>();

    /// <summary>Why register_model did or did not make this version champion (the trainer's <c>Retraining/PromotionRule</c>); null before it decided.</summary>
    public string? PromotionReason { get; init; }

    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a card; anything that is not a valid card throws <see cref="InvalidDataException"/>.</summary>
    public static ModelCard FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<ModelCard>(json, JsonOptions) ?? throw new InvalidDataException("The model card is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The model card is not valid JSON: {ex.Message}", ex);
        }
    }
}

/// <summary>Test-split results of one model.</summary>
public sealed record EvaluationMetrics
{
    public double Accuracy { get; init; }

    public double MacroF1 { get; init; }

    public int TestCount { get; init; }

    public double MeanLatencyMs { get; init; }

    public IReadOnlyList<ClassMetrics> PerClass { get; init; } = [];

    /// <summary>Rows are the true class, columns the predicted class, both in class index order.</summary>
    public IReadOnlyList<IReadOnlyList<int>> ConfusionMatrix { get; init; } = [];

    /// <summary>Calibration of the served probabilities on the same images; null for models measured before it existed.</summary>
    public CalibrationReport? Calibration { get; init; }

    /// <summary>Computes the metrics from true and predicted class indices.</summary>
    public static EvaluationMetrics FromPredictions(IReadOnlyList<int> actual, IReadOnlyList<int> predicted, double meanLatencyMs = 0)
    {
        if (actual.Count != predicted.Count)
        {
            throw new ArgumentException("Every actual label needs one prediction.", nameof(predicted));
        }

        var matrix = new int[CellClasses.Count][];
        for (var i = 0; i < matrix.Length; i++)
        {
            matrix[i] = new int[CellClasses.Count];
        }

        for (var i = 0; i < actual.Count; i++)
        {
            matrix[actual[i]][predicted[i]]++;
        }

        var perClass = new List<ClassMetrics>();
        for (var c = 0; c < CellClasses.Count; c++)
        {
            var truePositives = matrix[c][c];
            var support = matrix[c].Sum();
            var predictedAs = matrix.Sum(row => row[c]);
            var precision = predictedAs == 0 ? 0 : (double)truePositives / predictedAs;
            var recall = support == 0 ? 0 : (double)truePositives / support;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            perClass.Add(new ClassMetrics(CellClasses.Names[c], CellClasses.DisplayNames[c], precision, recall, f1, support));
        }

        var correct = Enumerable.Range(0, CellClasses.Count).Sum(c => matrix[c][c]);
        var present = perClass.Where(m => m.Support > 0).ToList();
        return new EvaluationMetrics
        {
            Accuracy = actual.Count == 0 ? 0 : (double)correct / actual.Count,
            MacroF1 = present.Count == 0 ? 0 : present.Average(m => m.F1),
            TestCount = actual.Count,
            MeanLatencyMs = meanLatencyMs,
            PerClass = perClass,
            ConfusionMatrix = matrix,
        };
    }
}

public sealed record ClassMetrics(string Class, string DisplayName, double Precision, double Recall, double F1, int Support);
