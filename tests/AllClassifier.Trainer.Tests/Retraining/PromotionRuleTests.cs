using AllClassifier.Model.Registry;
using AllClassifier.Trainer.Evaluation;
using AllClassifier.Trainer.Retraining;

namespace AllClassifier.Trainer.Tests.Retraining;

public sealed class PromotionRuleTests
{
    [Fact]
    public void First_model_becomes_champion()
    {
        var decision = PromotionRule.Decide(0.1, championVersion: null, championMacroF1OnSameSplit: null);
        Assert.True(decision.Promote);
        Assert.Contains("no champion", decision.Reason);
    }

    [Theory]
    [InlineData(0.90, 0.90, true)]
    [InlineData(0.91, 0.90, true)]
    [InlineData(0.89, 0.90, false)]
    public void Candidate_must_not_be_worse_on_the_same_split(double candidate, double champion, bool promote)
    {
        var decision = PromotionRule.Decide(candidate, championVersion: 3, championMacroF1OnSameSplit: champion);
        Assert.Equal(promote, decision.Promote);
        Assert.Contains("v3", decision.Reason);
        if (!promote)
        {
            Assert.Contains("challenger", decision.Reason);
        }
    }
}

public sealed class EvaluationMetricsTests
{
    [Fact]
    public void Computes_accuracy_macro_f1_and_confusion_matrix()
    {
        int[] actual = [0, 0, 1, 1, 2, 2, 3, 3];
        int[] predicted = [0, 1, 1, 1, 2, 2, 3, 0];

        var metrics = EvaluationMetrics.FromPredictions(actual, predicted);

        Assert.Equal(0.75, metrics.Accuracy, 6);
        Assert.Equal(1, metrics.ConfusionMatrix[0][1]);
        Assert.Equal(1, metrics.ConfusionMatrix[3][0]);
        // Benign: P=1/2, R=1/2; Early: P=2/3, R=1; Pre: 1,1; Pro: P=1, R=1/2.
        var expectedF1 = new[] { 0.5, 0.8, 1.0, 2.0 / 3.0 };
        Assert.Equal(expectedF1.Average(), metrics.MacroF1, 6);
        Assert.Equal(2, metrics.PerClass[1].Support);
        Assert.Equal(2.0 / 3.0, metrics.PerClass[1].Precision, 6);
    }
}

public sealed class ReferralPromotionTests
{
    private static Model.Referral.ReferralGate Gate(double referred, int count) =>
        new() { OodThreshold = 10, Coverage = 0.99, TestReferralRate = referred / count, TestCount = count };

    [Theory]
    [InlineData(5, 500)]
    [InlineData(0, 500)]
    [InlineData(11, 500)]
    public void A_gate_referring_about_what_its_coverage_states_does_not_hold_promotion_back(int referred, int count)
    {
        var decision = PromotionRule.Decide(0.95, championVersion: 2, championMacroF1OnSameSplit: 0.94, Gate(referred, count), championHasGate: true);

        Assert.True(decision.Promote, decision.Reason);
    }

    [Fact]
    public void A_gate_referring_far_more_than_stated_is_kept_back_with_the_reason()
    {
        var decision = PromotionRule.Decide(0.99, championVersion: 2, championMacroF1OnSameSplit: 0.90, Gate(30, 500), championHasGate: true);

        Assert.False(decision.Promote);
        Assert.Contains("far more", decision.Reason);
        Assert.Contains("30 of 500", decision.Reason);
        Assert.Contains("kept as challenger", decision.Reason);
    }

    [Fact]
    public void A_gate_referring_far_fewer_than_stated_is_kept_back_even_as_the_first_model()
    {
        var decision = PromotionRule.Decide(0.99, championVersion: null, championMacroF1OnSameSplit: null, Gate(0, 5000), championHasGate: false);

        Assert.False(decision.Promote);
        Assert.Contains("far fewer", decision.Reason);
    }

    [Fact]
    public void An_ungated_challenger_cannot_replace_a_gated_champion_but_may_replace_an_ungated_one()
    {
        var replacesGated = PromotionRule.Decide(0.99, 3, 0.90, candidateGate: null, championHasGate: true);
        var replacesUngated = PromotionRule.Decide(0.99, 3, 0.90, candidateGate: null, championHasGate: false);

        Assert.False(replacesGated.Promote);
        Assert.Contains("no referral gate", replacesGated.Reason);
        Assert.True(replacesUngated.Promote);
    }

    [Fact]
    public void A_gate_never_measured_on_the_test_split_is_kept_back()
    {
        var decision = PromotionRule.Decide(0.99, null, null, new Model.Referral.ReferralGate { OodThreshold = 1 }, championHasGate: false);

        Assert.False(decision.Promote);
        Assert.Contains("not measured", decision.Reason);
    }

    private static NotAssessableResult Staff(int championOnly, int challengerOnly, int championVersion = 2) => new()
    {
        Count = 40,
        Referred = 40 - championOnly,
        ChampionVersion = championVersion,
        ChampionReferred = 40 - challengerOnly,
        ChampionOnly = championOnly,
        ChallengerOnly = challengerOnly,
    };

    [Theory]
    [InlineData(8, 0, false)] // one-sided McNemar p = 2^-8 = 0.0039
    [InlineData(7, 0, false)] // 0.0078
    [InlineData(6, 0, true)]  // 0.0156: could be chance
    [InlineData(9, 3, true)]  // 0.073
    [InlineData(0, 9, true)]  // the challenger catches more
    public void A_challenger_letting_through_significantly_more_not_assessable_images_than_the_champion_is_kept_back(
        int championOnly, int challengerOnly, bool promote)
    {
        var decision = PromotionRule.Decide(
            0.99, championVersion: 2, championMacroF1OnSameSplit: 0.90, Gate(5, 500), championHasGate: true, Staff(championOnly, challengerOnly));

        Assert.Equal(promote, decision.Promote);
        if (!promote)
        {
            Assert.Contains("not assessable", decision.Reason);
            Assert.Contains($"lets through {championOnly} that champion v2 refers", decision.Reason);
        }
    }

    [Fact]
    public void Not_assessable_figures_measured_against_another_champion_do_not_decide()
    {
        var decision = PromotionRule.Decide(
            0.99, championVersion: 3, championMacroF1OnSameSplit: 0.90, Gate(5, 500), championHasGate: true, Staff(12, 0, championVersion: 2));

        Assert.True(decision.Promote, decision.Reason);
    }

    [Fact]
    public void Binomial_tails_match_hand_computed_values()
    {
        // n = 4, p = 0.5: P(X <= 1) = 5/16, P(X >= 1) = 15/16.
        var (atMost, atLeast) = PromotionRule.BinomialTails(4, 0.5, 1);

        Assert.Equal(5.0 / 16, atMost, 10);
        Assert.Equal(15.0 / 16, atLeast, 10);
    }
}
