using System.Numerics.Tensors;

namespace AllClassifier.Model.Registry;

/// <summary>
/// How far the served probabilities can be taken at face value: the temperature the logits are divided by
/// (fitted on the validation split) and the expected calibration error (ECE) on the test split with and without it.
/// </summary>
public sealed record CalibrationReport
{
    public const int DefaultBinCount = 10;

    /// <summary>The served probabilities are softmax(logits / <see cref="Temperature"/>); 1 means uncalibrated.</summary>
    public double Temperature { get; init; } = 1;

    /// <summary>ECE of the served (temperature-scaled) probabilities.</summary>
    public double ExpectedCalibrationError { get; init; }

    /// <summary>ECE of the same model at temperature 1.</summary>
    public double UncalibratedExpectedCalibrationError { get; init; }

    /// <summary>The reliability diagram of the served probabilities, by top-class confidence.</summary>
    public IReadOnlyList<ReliabilityBin> Bins { get; init; } = [];

    /// <summary>Equal-width confidence bins over (0, 1] of the top-class probability, and their accuracy.</summary>
    public static IReadOnlyList<ReliabilityBin> BinsOf(IReadOnlyList<int> actual, IReadOnlyList<float[]> probabilities, int binCount = DefaultBinCount)
    {
        if (actual.Count != probabilities.Count)
        {
            throw new ArgumentException("Every actual label needs one probability vector.", nameof(probabilities));
        }

        var counts = new int[binCount];
        var correct = new int[binCount];
        var confidence = new double[binCount];
        for (var i = 0; i < actual.Count; i++)
        {
            var top = TensorPrimitives.IndexOfMax<float>(probabilities[i]);
            var p = probabilities[i][top];
            var bin = Math.Clamp((int)Math.Ceiling(p * binCount) - 1, 0, binCount - 1);
            counts[bin]++;
            confidence[bin] += p;
            correct[bin] += top == actual[i] ? 1 : 0;
        }

        return Enumerable.Range(0, binCount)
            .Select(bin => new ReliabilityBin(
                (double)bin / binCount,
                (double)(bin + 1) / binCount,
                counts[bin],
                counts[bin] == 0 ? 0 : confidence[bin] / counts[bin],
                counts[bin] == 0 ? 0 : (double)correct[bin] / counts[bin]))
            .ToList();
    }

    /// <summary>The count-weighted mean gap between confidence and accuracy over the bins.</summary>
    public static double ExpectedCalibrationErrorOf(IReadOnlyList<ReliabilityBin> bins)
    {
        var total = bins.Sum(bin => bin.Count);
        return total == 0 ? 0 : bins.Sum(bin => bin.Count * Math.Abs(bin.MeanConfidence - bin.Accuracy)) / total;
    }
}

/// <summary>Images whose top-class probability lies in (<see cref="Lower"/>, <see cref="Upper"/>].</summary>
public sealed record ReliabilityBin(double Lower, double Upper, int Count, double MeanConfidence, double Accuracy);
