using System.Globalization;

namespace AllClassifier.Model.Registry;

/// <summary>Whether a newly registered version replaces the champion, and why.</summary>
public sealed record PromotionDecision(bool Promote, string Reason);

/// <summary>
/// A new version becomes champion when there is none yet, or when its macro-F1 is not lower than the
/// champion's on the same test split. Comparing scores from different test splits would be meaningless, so
/// callers pass the champion's score re-measured on the candidate's split.
/// </summary>
public static class PromotionRule
{
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
