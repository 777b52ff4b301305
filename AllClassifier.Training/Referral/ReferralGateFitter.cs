using AllClassifier.Model.Referral;

namespace AllClassifier.Training.Referral;

/// <summary>
/// Chooses a gate's thresholds on held-out in-distribution images only: first each quality limit, then the
/// out-of-distribution threshold at the score that lets the stated coverage of those images through the whole gate.
/// </summary>
/// <remarks>
/// A quality limit is the held-out images' <see cref="TailQuantile"/> quantile on its side, moved away from the median by
/// the same distance again (at least a stated floor): quality checks are meant for junk (blank slides, heavy blur, blown
/// exposure), not for the mild acquisition differences between good smears, so they sit well outside the spread
/// seen. They are taken over the held-out images together with the acquisition-shifted copies the trainer trains on
/// (<paramref name="qualityReference"/> of <see cref="Fit"/>): a mild blur or another stain is in-distribution by the
/// trainer's own definition. The score threshold then spends what is left of the referral budget on the held-out images
/// as they are.
/// </remarks>
public static class ReferralGateFitter
{
    /// <summary>How far into each tail a quality limit starts before it is widened.</summary>
    public const double TailQuantile = 0.005;

    /// <summary>
    /// The shortest side an upload needs: a quarter of the model's input, under which the resize to 224 invents detail
    /// rather than showing a cell.
    /// </summary>
    public const int MinSide = Model.Imaging.ImagePreprocessor.Size / 4;

    public static ReferralGate Fit(
        MahalanobisGate gate,
        IReadOnlyList<double> heldOutScores,
        IReadOnlyList<ImageQuality> heldOutQuality,
        double coverage = ReferralGate.DefaultCoverage,
        IReadOnlyList<ImageQuality>? qualityReference = null)
    {
        if (heldOutScores.Count != heldOutQuality.Count || heldOutScores.Count == 0)
        {
            throw new ArgumentException("Every held-out image needs a score and its quality.", nameof(heldOutQuality));
        }

        if (coverage is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(coverage), coverage, "Coverage is a share strictly between 0 and 1.");
        }

        var limits = QualityLimitsOf(qualityReference is { Count: > 0 } ? qualityReference : heldOutQuality);
        var passingQuality = new List<double>();
        var reasons = new List<string>();
        for (var i = 0; i < heldOutQuality.Count; i++)
        {
            reasons.Clear();
            limits.AddFailures(heldOutQuality[i], reasons);
            if (reasons.Count == 0)
            {
                passingQuality.Add(heldOutScores[i]);
            }
        }

        var count = heldOutScores.Count;
        var mustPass = (int)Math.Ceiling(coverage * count);
        passingQuality.Sort();
        // The smallest threshold that lets mustPass images through; if quality alone refers more than the budget, every
        // image that passes quality must also pass the score.
        var threshold = passingQuality.Count == 0
            ? 0
            : passingQuality[Math.Clamp(mustPass - 1, 0, passingQuality.Count - 1)];
        var result = new ReferralGate
        {
            OodThreshold = threshold,
            Coverage = coverage,
            Quality = limits,
            FeatureCount = gate.FeatureCount,
            Shrinkage = gate.Shrinkage,
            FittedOn = gate.FittedOn,
            HeldOut = count,
        };
        var referred = 0;
        for (var i = 0; i < count; i++)
        {
            referred += result.Decide(heldOutQuality[i], heldOutScores[i]).Refer ? 1 : 0;
        }

        return result with { HeldOutReferralRate = (double)referred / count };
    }

    public static QualityLimits QualityLimitsOf(IReadOnlyList<ImageQuality> heldOut)
    {
        // Focus and contrast spread over orders of magnitude: their limits are set on the log scale.
        var logFocus = heldOut.Select(q => Math.Log(q.Focus + 1e-6)).ToList();
        var logContrast = heldOut.Select(q => Math.Log(q.Contrast + 1e-6)).ToList();
        var luminance = heldOut.Select(q => q.MeanLuminance).ToList();
        var red = heldOut.Select(q => q.RedChromaticity).ToList();
        var blue = heldOut.Select(q => q.BlueChromaticity).ToList();
        var saturation = heldOut.Select(q => q.Saturation).ToList();
        return new QualityLimits
        {
            MinFocus = Math.Exp(Low(logFocus, 0.5)),
            MinContrast = Math.Exp(Low(logContrast, 0.5)),
            MinMeanLuminance = Low(luminance, 10),
            MaxMeanLuminance = High(luminance, 10),
            MaxBrightFraction = Math.Min(1, High(heldOut.Select(q => q.BrightFraction).ToList(), 0.05)),
            MaxDarkFraction = Math.Min(1, High(heldOut.Select(q => q.DarkFraction).ToList(), 0.05)),
            MinRedChromaticity = Low(red, 0.02),
            MaxRedChromaticity = High(red, 0.02),
            MinBlueChromaticity = Low(blue, 0.02),
            MaxBlueChromaticity = High(blue, 0.02),
            MinSaturation = Math.Max(0, Low(saturation, 0.03)),
            MaxSaturation = Math.Min(1, High(saturation, 0.03)),
            MinSide = MinSide,
        };
    }

    private static double Low(List<double> values, double floor)
    {
        var (tail, median) = (Quantile(values, TailQuantile), Quantile(values, 0.5));
        return tail - Math.Max(median - tail, floor);
    }

    private static double High(List<double> values, double floor)
    {
        var (tail, median) = (Quantile(values, 1 - TailQuantile), Quantile(values, 0.5));
        return tail + Math.Max(tail - median, floor);
    }

    /// <summary>Linear interpolation between order statistics (the usual "type 7" quantile).</summary>
    public static double Quantile(IReadOnlyList<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        var position = q * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(sorted.Length - 1, below + 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }
}
