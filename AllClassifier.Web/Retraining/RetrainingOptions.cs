namespace AllClassifier.Web.Retraining;

/// <summary>When the pipeline retrains: once the feedback table holds at least <see cref="Threshold"/> rows.</summary>
public sealed class RetrainingOptions
{
    /// <summary>The configuration key shared with the pipeline's feedback sensor.</summary>
    public const string ThresholdKey = "FB_THRESH";

    public int Threshold { get; set; } = 100;
}
