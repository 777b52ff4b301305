using System.Text.Json.Serialization;
using AllClassifier.Api.Explain;

namespace AllClassifier.Api.Predict;

/// <summary>
/// The original contract (<c>probabilities</c>, <c>predicted_class</c>) plus the class name and the model
/// version that answered, the number of dihedral views its probabilities average (the card's test-time augmentation), the id of its audit
/// record, and with <c>?explain=true</c> the explanation of the predicted class.
/// </summary>
public sealed record PredictionResponse(float[] Probabilities, int PredictedClass, string ClassName, int ModelVersion)
{
    public int TestTimeViews { get; init; } = 1;

    /// <summary>The id of this classification's audit record, which a correction may name instead of resending the image.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PredictionId { get; init; }

    /// <summary>The SHA-256 of the model file that answered, for the audit record (the card's; not answered).</summary>
    [JsonIgnore]
    public string? ModelSha256 { get; init; }

    /// <summary>The upload's content type as its header says (image/jpeg, image/png, image/bmp); not answered.</summary>
    [JsonIgnore]
    public string ImageContentType { get; init; } = "application/octet-stream";

    /// <summary>True: do not trust a class, a technologist must look (the referral gate's decision).</summary>
    public bool Refer { get; init; }

    /// <summary>Why the image is referred (<see cref="Model.Referral.ReferralReasons"/> codes); empty when it is not.</summary>
    public IReadOnlyList<string> ReferReasons { get; init; } = [];

    /// <summary>The out-of-distribution score (threshold under <c>GET /model</c>'s <c>referral_gate</c>); null without a gate.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? OodScore { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Explanation? Explanation { get; init; }
}
