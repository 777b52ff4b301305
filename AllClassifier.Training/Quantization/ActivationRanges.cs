namespace AllClassifier.Training.Quantization;

/// <summary>The observed value range of one activation tensor over the calibration images.</summary>
public readonly record struct ValueRange(float Min, float Max)
{
    public ValueRange Including(float value) => new(Math.Min(Min, value), Math.Max(Max, value));
}

/// <summary>
/// Calibrated ranges of the backbone activations that the INT8 model quantises, keyed by tensor name in the
/// prepared (BatchNorm-folded, opset 13) fp32 backbone.
/// </summary>
public sealed record ActivationRanges(IReadOnlyDictionary<string, ValueRange> Ranges)
{
    public ValueRange this[string tensor] => Ranges.TryGetValue(tensor, out var range)
        ? range
        : throw new KeyNotFoundException($"No calibrated range for the activation '{tensor}'.");
}
