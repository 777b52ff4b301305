namespace AllClassifier.Trainer.Quantization;

/// <summary>Whether and how a run builds an INT8 candidate beside the fp32 model, and when it is served.</summary>
public sealed record Int8Options
{
    public bool Enabled { get; init; } = true;

    /// <summary>Training images (original view, evenly spaced through the manifest) whose activations set the quantisation ranges.</summary>
    public int CalibrationImages { get; init; } = 32;

    /// <summary>The INT8 model is served only if its test macro-F1 is at most this far below the fp32 model's.</summary>
    public double MaxMacroF1Drop { get; init; } = 0.003;

    public bool Accepts(double fp32MacroF1, double int8MacroF1) => int8MacroF1 >= fp32MacroF1 - MaxMacroF1Drop;
}
