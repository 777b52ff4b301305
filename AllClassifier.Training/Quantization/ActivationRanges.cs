using System.Globalization;
using System.Security.Cryptography;
using System.Text;

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

    /// <summary>A short content hash: equal ranges give equal INT8 models, so features computed with them can be reused.</summary>
    public string Fingerprint()
    {
        var text = string.Join('\n', Ranges.OrderBy(r => r.Key, StringComparer.Ordinal)
            .Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key}={r.Value.Min:R},{r.Value.Max:R}")));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }
}
