using AllClassifier.Model.Registry;

namespace AllClassifier.Model.Tests.Registry;

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
