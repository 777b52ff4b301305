using AllClassifier.Web.Retraining;

namespace AllClassifier.Web.Tests.Retraining;

public sealed class RetrainingProgressTests
{
    [Theory]
    [InlineData(0, 100, 100, 0.0)]
    [InlineData(42, 100, 58, 42.0)]
    [InlineData(99, 100, 1, 99.0)]
    [InlineData(100, 100, 0, 100.0)]
    [InlineData(250, 100, 0, 100.0)]
    [InlineData(3, 8, 5, 37.5)]
    public void Remaining_and_percent_follow_the_rows_pending_since_training(int pending, int threshold, int remaining, double percent)
    {
        // The table's total (here far above the threshold) plays no part: rows already trained on do not count.
        var progress = new RetrainingProgress(pending + 1000, pending, threshold);

        Assert.Equal(remaining, progress.Remaining);
        Assert.Equal(percent, progress.Percent, 6);
        Assert.Equal(pending >= threshold, progress.ThresholdReached);
    }

    [Fact]
    public void Summary_reads_as_a_sentence()
    {
        Assert.Equal("1 more correction until retraining (threshold 100).", new RetrainingProgress(500, 99, 100).Summary);
        Assert.Equal("58 more corrections until retraining (threshold 100).", new RetrainingProgress(500, 42, 100).Summary);
        Assert.Equal("The threshold of 100 is reached: the next pipeline run retrains the model.", new RetrainingProgress(500, 120, 100).Summary);
    }
}
