using System.Globalization;
using AllClassifier.Model.Referral;
using AllClassifier.Trainer.Evaluation;

namespace AllClassifier.Trainer.Retraining;

/// <summary>Whether a newly registered version replaces the champion, and why.</summary>
public sealed record PromotionDecision(bool Promote, string Reason);

/// <summary>
/// A new version becomes champion when there is none yet, or when its macro-F1 is not lower than the
/// champion's on the same test split. Comparing scores from different test splits would be meaningless, so
/// callers pass the champion's score re-measured on the candidate's split.
/// </summary>
public static class PromotionRule
{
    /// <summary>
    /// How unlikely the challenger's test-split referral count must be under its stated coverage (either tail of the
    /// binomial) before it is kept back: one in a thousand, so an honest gate is almost never refused by chance.
    /// </summary>
    public const double ReferralTailProbability = 0.001;

    /// <summary>
    /// How unlikely it must be, if both gates caught staff's not-assessable images equally well, that the champion
    /// refers this many more of them than the challenger (exact one-sided McNemar test on the rows only one refers)
    /// before the challenger is kept back: a lab's own "not a smear" images are the evidence that matters most.
    /// </summary>
    public const double NotAssessableTailProbability = 0.01;

    /// <summary>
    /// The macro-F1 rule, after the referral gate's: a challenger whose gate refers far more or far fewer of the fixed
    /// test split than its card's coverage states, or that would replace a gated champion with an ungated model, is
    /// kept back whatever its macro-F1.
    /// </summary>
    public static PromotionDecision Decide(
        double candidateMacroF1,
        int? championVersion,
        double? championMacroF1OnSameSplit,
        ReferralGate? candidateGate,
        bool championHasGate,
        NotAssessableResult? notAssessable = null)
    {
        return (ReferralGateProblem(candidateGate, championVersion, championHasGate)
                ?? NotAssessableProblem(notAssessable, championVersion)) is { } problem
            ? new PromotionDecision(false, problem)
            : Decide(candidateMacroF1, championVersion, championMacroF1OnSameSplit);
    }

    /// <summary>
    /// Why the challenger's gate keeps it back on the images staff marked not assessable: it lets through
    /// significantly more of them than the champion it would replace (measured on the same rows), or null.
    /// </summary>
    public static string? NotAssessableProblem(NotAssessableResult? result, int? championVersion)
    {
        if (result is not { ChampionVersion: { } measured } || measured != championVersion || result.ChampionOnly <= result.ChallengerOnly)
        {
            return null;
        }

        var (_, atLeast) = BinomialTails(result.ChampionOnly + result.ChallengerOnly, 0.5, result.ChampionOnly);
        return atLeast < NotAssessableTailProbability
            ? string.Create(
                CultureInfo.InvariantCulture,
                $"of {result.Count} images staff marked not assessable, its referral gate lets through {result.ChampionOnly} that "
                + $"champion v{measured} refers and refers {result.ChallengerOnly} the champion lets through "
                + $"(McNemar p {atLeast:G2}); kept as challenger")
            : null;
    }

    /// <summary>Why the challenger's referral gate keeps it back, or null when it does not.</summary>
    public static string? ReferralGateProblem(ReferralGate? gate, int? championVersion, bool championHasGate)
    {
        if (gate is not { Present: true })
        {
            return championHasGate
                ? $"the challenger has no referral gate and champion v{championVersion} has one; kept as challenger"
                : null;
        }

        if (gate.TestReferralRate is not { } rate || gate.TestCount is not { } count || count == 0)
        {
            return "the challenger's referral gate was not measured on the test split; kept as challenger";
        }

        var referred = (int)Math.Round(rate * count);
        var stated = 1 - gate.Coverage;
        var (atMost, atLeast) = BinomialTails(count, stated, referred);
        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"its referral gate refers {referred} of {count} test images ({rate:P1}) where coverage {gate.Coverage:P1} states {stated:P1}");
        if (atLeast < ReferralTailProbability)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{text}: far more (binomial p {atLeast:G2}); kept as challenger");
        }

        return atMost < ReferralTailProbability
            ? string.Create(CultureInfo.InvariantCulture, $"{text}: far fewer (binomial p {atMost:G2}); kept as challenger")
            : null;
    }

    /// <summary>P(X ≤ k) and P(X ≥ k) for X ~ Binomial(n, p), summed in log space so large n does not underflow.</summary>
    public static (double AtMost, double AtLeast) BinomialTails(int n, double p, int k)
    {
        if (p <= 0)
        {
            return (1, k <= 0 ? 1 : 0);
        }

        if (p >= 1)
        {
            return (k >= n ? 1 : 0, 1);
        }

        var logP = Math.Log(p);
        var logQ = Math.Log(1 - p);
        var logChoose = 0.0;
        double atMost = 0, atLeast = 0;
        for (var i = 0; i <= n; i++)
        {
            if (i > 0)
            {
                logChoose += Math.Log(n - i + 1) - Math.Log(i);
            }

            var mass = Math.Exp(logChoose + (i * logP) + ((n - i) * logQ));
            atMost += i <= k ? mass : 0;
            atLeast += i >= k ? mass : 0;
        }

        return (Math.Min(1, atMost), Math.Min(1, atLeast));
    }

    public static PromotionDecision Decide(double candidateMacroF1, int? championVersion, double? championMacroF1OnSameSplit)
    {
        if (championVersion is null)
        {
            return new PromotionDecision(true, "there is no champion yet");
        }

        if (championMacroF1OnSameSplit is not { } champion)
        {
            return new PromotionDecision(true, $"champion v{championVersion} could not be evaluated on this test split");
        }

        return candidateMacroF1 >= champion
            ? new PromotionDecision(true, string.Create(CultureInfo.InvariantCulture, $"macro-F1 {candidateMacroF1:F4} >= champion v{championVersion}'s {champion:F4} on the same test split"))
            : new PromotionDecision(false, string.Create(CultureInfo.InvariantCulture, $"macro-F1 {candidateMacroF1:F4} < champion v{championVersion}'s {champion:F4} on the same test split; kept as challenger"));
    }
}
