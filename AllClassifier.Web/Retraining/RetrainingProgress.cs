using AllClassifier.Web.Backend;

namespace AllClassifier.Web.Retraining;

/// <summary>
/// How far the corrections are from triggering a retraining, as the API reports the trainer's gate: only corrections
/// stored since the newest training data count (<see cref="PendingSinceTraining"/>), not the table's total, so after a
/// retraining the count starts again.
/// </summary>
public sealed record RetrainingProgress(int FeedbackCount, int PendingSinceTraining, int Threshold)
{
    public static RetrainingProgress From(FeedbackCountAnswer answer) =>
        new(answer.FeedbackCount, answer.PendingSinceTraining, answer.Threshold);

    public int Remaining => Math.Max(0, Threshold - PendingSinceTraining);

    public bool ThresholdReached => PendingSinceTraining >= Threshold;

    /// <summary>Share of the threshold reached, 0 to 100.</summary>
    public double Percent => Threshold <= 0 ? 100 : Math.Clamp(100.0 * PendingSinceTraining / Threshold, 0, 100);

    public string Summary => ThresholdReached
        ? $"The threshold of {Threshold} is reached: the next pipeline run retrains the model."
        : $"{Remaining} more {(Remaining == 1 ? "correction" : "corrections")} until retraining (threshold {Threshold}).";
}
