using System.Globalization;

namespace AllClassifier.Model.Referral;

/// <summary>
/// The referral gate of a model version, kept in its card (<c>referral_gate</c>): the out-of-distribution threshold
/// on the score the model file computes in-graph (<see cref="Inference.ClassifierModelFile.OodScoreName"/>), the
/// image-quality limits, and the in-distribution coverage both were chosen for on held-out training images.
/// </summary>
public sealed record ReferralGate
{
    /// <summary>Class-conditional Mahalanobis distance with one shared covariance, shrunk by the OAS estimate.</summary>
    public const string MahalanobisMethod = "mahalanobis_shared_oas_covariance";

    /// <summary>The share of in-distribution images the gate lets through unless the trainer is told otherwise.</summary>
    public const double DefaultCoverage = 0.99;

    public bool Present { get; init; } = true;

    public string Method { get; init; } = MahalanobisMethod;

    /// <summary>Scores above it are referred as <see cref="ReferralReasons.UnlikeTrainingImages"/>.</summary>
    public double OodThreshold { get; init; }

    /// <summary>The share of held-out in-distribution images that pass the whole gate (score and quality checks).</summary>
    public double Coverage { get; init; } = DefaultCoverage;

    public QualityLimits? Quality { get; init; }

    /// <summary>The length of the feature vector the score is computed on.</summary>
    public int FeatureCount { get; init; }

    /// <summary>The weight of the scaled identity in the shrunk covariance (0: the sample covariance itself).</summary>
    public double Shrinkage { get; init; }

    /// <summary>Training feature vectors (augmented copies included) the class means and covariance come from.</summary>
    public int FittedOn { get; init; }

    /// <summary>Held-out in-distribution images (the validation split) the thresholds were chosen on.</summary>
    public int HeldOut { get; init; }

    /// <summary>The share of those held-out images the gate refers.</summary>
    public double HeldOutReferralRate { get; init; }

    /// <summary>The share of the fixed test split the gate refers (test_classifier); null until measured.</summary>
    public double? TestReferralRate { get; init; }

    /// <summary>How many test images <see cref="TestReferralRate"/> counts.</summary>
    public int? TestCount { get; init; }

    /// <summary>
    /// Feedback images staff marked not assessable (not a smear, or unusable) that test_classifier scored; null when
    /// there were none. What share of them the gate refers is the best measure of its catch on a lab's own images.
    /// </summary>
    public int? NotAssessableCount { get; init; }

    /// <summary>The share of <see cref="NotAssessableCount"/> the gate refers.</summary>
    public double? NotAssessableReferralRate { get; init; }

    /// <summary>Why a model has no gate; only when <see cref="Present"/> is false.</summary>
    public string? Absence { get; init; }

    /// <summary>What <c>/model</c> shows for a model without a gate.</summary>
    public static ReferralGate Absent(string why) => new() { Present = false, Method = "none", Coverage = 0, Absence = why };

    /// <summary>The gate's decision on one image: every check that fails adds its reason.</summary>
    public ReferralDecision Decide(ImageQuality quality, double oodScore)
    {
        if (!Present)
        {
            return ReferralDecision.NoGate;
        }

        var reasons = new List<string>(2);
        // NaN never compares greater, so it is referred explicitly: a score that cannot be computed is not trusted.
        if (double.IsNaN(oodScore) || oodScore > OodThreshold)
        {
            reasons.Add(ReferralReasons.UnlikeTrainingImages);
        }

        if (Quality is { } limits)
        {
            limits.AddFailures(quality, reasons);
        }

        return new ReferralDecision(reasons.Count > 0, reasons, oodScore);
    }

    /// <summary>The score over the threshold (above 1: unlike the training images); what the metrics record.</summary>
    public double Ratio(double oodScore) => OodThreshold > 0 ? oodScore / OodThreshold : double.NaN;

    public string Describe() => Present
        ? string.Create(
            CultureInfo.InvariantCulture,
            $"{Method}, threshold {OodThreshold:G5} at coverage {Coverage:P1} (held-out referral {HeldOutReferralRate:P2} of {HeldOut})")
        : $"no referral gate: {Absence}";
}

/// <summary>
/// The image-quality limits of a gate, each chosen on held-out in-distribution images (see the trainer's fitting
/// rule in docs/referral.md). An image outside a limit is referred with that limit's reason.
/// </summary>
public sealed record QualityLimits
{
    public double MinFocus { get; init; }

    public double MinMeanLuminance { get; init; }

    public double MaxMeanLuminance { get; init; } = 255;

    public double MaxBrightFraction { get; init; } = 1;

    public double MaxDarkFraction { get; init; } = 1;

    public double MinContrast { get; init; }

    /// <summary>The shortest upload side that can hold a cell at the training images' magnification.</summary>
    public int MinSide { get; init; }

    public double MinRedChromaticity { get; init; }

    public double MaxRedChromaticity { get; init; } = 1;

    public double MinBlueChromaticity { get; init; }

    public double MaxBlueChromaticity { get; init; } = 1;

    public double MinSaturation { get; init; }

    public double MaxSaturation { get; init; } = 1;

    /// <summary>Adds the reason of every limit <paramref name="quality"/> falls outside, once each, in code order.</summary>
    public void AddFailures(ImageQuality quality, List<string> reasons)
    {
        if (quality.Focus < MinFocus)
        {
            reasons.Add(ReferralReasons.OutOfFocus);
        }

        if (quality.MeanLuminance > MaxMeanLuminance || quality.BrightFraction > MaxBrightFraction)
        {
            reasons.Add(ReferralReasons.OverExposed);
        }

        if (quality.MeanLuminance < MinMeanLuminance || quality.DarkFraction > MaxDarkFraction)
        {
            reasons.Add(ReferralReasons.UnderExposed);
        }

        if (quality.Contrast < MinContrast || quality.MinSide < MinSide)
        {
            reasons.Add(ReferralReasons.TooLittleContent);
        }

        if (quality.RedChromaticity < MinRedChromaticity || quality.RedChromaticity > MaxRedChromaticity
            || quality.BlueChromaticity < MinBlueChromaticity || quality.BlueChromaticity > MaxBlueChromaticity
            || quality.Saturation < MinSaturation || quality.Saturation > MaxSaturation)
        {
            reasons.Add(ReferralReasons.UnusualStain);
        }
    }
}
