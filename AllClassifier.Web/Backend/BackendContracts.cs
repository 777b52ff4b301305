using System.Text.Json.Serialization;

namespace AllClassifier.Web.Backend;

/// <summary>The answer of <c>POST /predict</c>, with <c>?explain=true</c> its <see cref="Explanation"/>.</summary>
public sealed record Prediction(IReadOnlyList<double> Probabilities, int PredictedClass, string? ClassName, int? ModelVersion)
{
    /// <summary>Absent when the serving model has no class activation map.</summary>
    public Explanation? Explanation { get; init; }

    /// <summary>The API's id of this prediction; a correction names it instead of sending the image again. Absent
    /// from APIs older than prediction records.</summary>
    public string? PredictionId { get; init; }

    /// <summary>True when a technologist must look: the class is not to be trusted (see <see cref="ReferReasons"/>).</summary>
    public bool Refer { get; init; }

    /// <summary>Stable reason codes (<see cref="ReferralReasons"/>); empty when not referred.</summary>
    public IReadOnlyList<string>? ReferReasons { get; init; }

    /// <summary>How unlike the training images this one is; null when the served model has no referral gate.</summary>
    public double? OodScore { get; init; }

    /// <summary>The predicted class's name; the API's <c>class_name</c> when present, else looked up by index.</summary>
    [JsonIgnore]
    public string PredictedName => ClassName ?? ClassLabels.Name(PredictedClass);

    [JsonIgnore]
    public string PredictedDisplayName => ClassLabels.DisplayName(PredictedClass);

    [JsonIgnore]
    public double Confidence => PredictedClass >= 0 && PredictedClass < Probabilities.Count ? Probabilities[PredictedClass] : 0;
}

/// <summary>
/// The API's explanation of a prediction: the class explained and its class activation map drawn over the model's
/// 224×224 input (the centre crop of the upload).
/// </summary>
public sealed record Explanation(int ClassIndex, string? ClassName, byte[] OverlayPng)
{
    [JsonIgnore]
    public string DisplayName => ClassLabels.DisplayName(ClassIndex);
}

/// <summary>The answer of <c>POST /feedback</c>.</summary>
public sealed record FeedbackReceipt(bool Stored, int FeedbackCount);

/// <summary>One row of <c>GET /feedback/rows</c>: a stored correction without its image.</summary>
public sealed record FeedbackRow(long Id, double Ts, string Correct, string Predicted, int? ModelVersion, string? SentBy)
{
    [JsonIgnore]
    public DateTimeOffset Stored => DateTimeOffset.FromUnixTimeMilliseconds((long)(Ts * 1000));
}

/// <summary>The answer of <c>GET /feedback/rows</c>.</summary>
public sealed record FeedbackRows(IReadOnlyList<FeedbackRow> Rows);

/// <summary>The answer of <c>DELETE /feedback/{id}</c>.</summary>
/// <remarks><c>erased</c> is absent from older APIs, which did not erase: read as true so no warning is invented.</remarks>
public sealed record FeedbackDeletion(bool Deleted, int FeedbackCount, bool Erased = true);

/// <summary>One registered model version of <c>GET /model/versions</c>.</summary>
public sealed record ModelVersion(int Version, DateTimeOffset Created, double Accuracy, double MacroF1, int? ParentVersion, bool Champion);

/// <summary>The answer of <c>GET /model/versions</c>.</summary>
public sealed record ModelVersions(IReadOnlyList<ModelVersion> Versions);

/// <summary>The answer of <c>POST /model/versions/{version}/promote</c>.</summary>
public sealed record Promotion(int Champion, int? Previous);

/// <summary>
/// The answer of <c>GET /feedback/count</c>: every stored row, and the retraining gate as the trainer applies it (the
/// corrections pending since the newest training data, and the threshold they are compared with).
/// </summary>
public sealed record FeedbackCountAnswer(int FeedbackCount, int PendingSinceTraining, int Threshold, long TrainedUpTo);

/// <summary>The part of the API's model card (<c>GET /model</c>) that the web app shows.</summary>
public sealed record ModelCard(
    string Name,
    int Version,
    string? RunId,
    DateTimeOffset Created,
    IReadOnlyList<string>? Classes,
    IReadOnlyList<string>? DisplayNames,
    string? Head,
    ModelMetrics? Metrics,
    string? TrainingDataHash,
    int? ParentVersion)
{
    /// <summary>Where the model's heat map comes from: <c>head</c>, <c>linear_probe</c>, or null for models without one.</summary>
    public string? ClassActivationMap { get; init; }

    /// <summary>The model's referral gate; null from APIs older than referral gates.</summary>
    public ReferralGateSummary? ReferralGate { get; init; }
}

/// <summary>
/// The part of the card's <c>referral_gate</c> the model page shows: what coverage the gate was chosen for and how
/// often it refers held-out images, test images and the images staff marked not assessable.
/// </summary>
public sealed record ReferralGateSummary(bool Present, string? Method, double Coverage)
{
    public double? OodThreshold { get; init; }

    public int? HeldOut { get; init; }

    public double? HeldOutReferralRate { get; init; }

    public double? TestReferralRate { get; init; }

    public int? TestCount { get; init; }

    public int? NotAssessableCount { get; init; }

    public double? NotAssessableReferralRate { get; init; }

    public string? Absence { get; init; }
}

public sealed record ModelMetrics(
    double Accuracy,
    double MacroF1,
    int TestCount,
    double MeanLatencyMs,
    IReadOnlyList<ClassMetrics>? PerClass,
    IReadOnlyList<IReadOnlyList<int>>? ConfusionMatrix)
{
    /// <summary>Absent from models trained before calibration was measured.</summary>
    public CalibrationReport? Calibration { get; init; }
}

/// <summary>The temperature the served probabilities are scaled by and the expected calibration error with and without it.</summary>
public sealed record CalibrationReport(
    double Temperature,
    double ExpectedCalibrationError,
    double UncalibratedExpectedCalibrationError,
    IReadOnlyList<ReliabilityBin>? Bins);

/// <summary>Test images whose top-class probability lies in (<see cref="Lower"/>, <see cref="Upper"/>].</summary>
public sealed record ReliabilityBin(double Lower, double Upper, int Count, double MeanConfidence, double Accuracy);

public sealed record ClassMetrics(string Class, string? DisplayName, double Precision, double Recall, double F1, int Support);

/// <summary>The API's error body: <c>{"detail": "...", "code": "..."}</c> (<c>code</c> absent from other servers' answers).</summary>
internal sealed record ErrorBody(System.Text.Json.JsonElement Detail, System.Text.Json.JsonElement Code)
{
    public string? DetailText => Detail.ValueKind == System.Text.Json.JsonValueKind.String ? Detail.GetString() : null;

    public string? CodeText => Code.ValueKind == System.Text.Json.JsonValueKind.String ? Code.GetString() : null;
}
