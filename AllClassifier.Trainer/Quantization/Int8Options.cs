namespace AllClassifier.Trainer.Quantization;

/// <summary>Whether and how a run builds an INT8 candidate beside the fp32 model, and when it is served.</summary>
public sealed record Int8Options
{
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// Whether the run also trains an fp32 model on fp32 features, for test_classifier to serve instead when INT8 loses
    /// more than <see cref="MaxMacroF1Drop"/>. Off by default: INT8 is what is served, and computing every feature twice
    /// doubles the pipeline's time; the quality benchmark measures the two side by side.
    /// </summary>
    public bool CompareWithFp32 { get; init; }

    /// <summary>Whether a run trains the fp32 model (as the only model, or to compare with INT8).</summary>
    public bool TrainsFp32 => !Enabled || CompareWithFp32;

    /// <summary>Training images (original view, evenly spaced through the manifest) whose activations set the quantisation ranges.</summary>
    public int CalibrationImages { get; init; } = 32;

    /// <summary>The INT8 model is served only if its test macro-F1 is at most this far below the fp32 model's.</summary>
    public double MaxMacroF1Drop { get; init; } = 0.003;

    public bool Accepts(double fp32MacroF1, double int8MacroF1) => int8MacroF1 >= fp32MacroF1 - MaxMacroF1Drop;
}
