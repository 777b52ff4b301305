namespace AllClassifier.Model.Referral;

/// <summary>
/// The stable codes of why an image is referred to a technologist. Codes are a public contract (API responses, metrics
/// labels, alert rules): add new ones, never rename. Their plain words for lab staff live with the web app.
/// </summary>
public static class ReferralReasons
{
    public const string UnlikeTrainingImages = "unlike_training_images";
    public const string OutOfFocus = "out_of_focus";
    public const string OverExposed = "over_exposed";
    public const string UnderExposed = "under_exposed";
    public const string TooLittleContent = "too_little_content";
    public const string UnusualStain = "unusual_stain";

    /// <summary>Every code in the order responses list them.</summary>
    public static IReadOnlyList<string> All { get; } =
        [UnlikeTrainingImages, OutOfFocus, OverExposed, UnderExposed, TooLittleContent, UnusualStain];
}

/// <summary>
/// The referral decision for one image: <see cref="Refer"/> true means "do not trust a class, a technologist must
/// look"; <see cref="Reasons"/> are <see cref="ReferralReasons"/> codes (empty when not referred);
/// <see cref="OodScore"/> is the model's out-of-distribution score, null when the served model has no gate.
/// </summary>
public sealed record ReferralDecision(bool Refer, IReadOnlyList<string> Reasons, double? OodScore)
{
    /// <summary>What a model without a gate answers: never referred, no score.</summary>
    public static ReferralDecision NoGate { get; } = new(false, [], null);
}
