namespace AllClassifier.Web.Retraining;

/// <summary>How far the collected corrections are from the retraining threshold.</summary>
public sealed record RetrainingProgress(int FeedbackCount, int Threshold)
{
    public int Remaining => Math.Max(0, Threshold - FeedbackCount);

    public bool ThresholdReached => FeedbackCount >= Threshold;

    /// <summary>Share of the threshold reached, 0 to 100.</summary>
    public double Percent => Threshold <= 0 ? 100 : Math.Clamp(100.0 * FeedbackCount / Threshold, 0, 100);

    public string Summary => ThresholdReached
        ? $"The threshold of {Threshold} is reached: the next pipeline run retrains the model."
        : $"{Remaining} more {(Remaining == 1 ? "correction" : "corrections")} until retraining (threshold {Threshold}).";
}
