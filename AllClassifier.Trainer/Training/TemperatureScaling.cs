using System.Numerics.Tensors;

namespace AllClassifier.Trainer.Training;

/// <summary>
/// Temperature scaling (Guo et al., 2017): the one temperature T that minimises the mean negative log-likelihood of
/// softmax(logits / T) on held-out images. It changes no prediction, only how confident the probabilities are.
/// </summary>
public static class TemperatureScaling
{
    // A validation split the head separates perfectly pulls the fit towards T → 0 (ever sharper); the floor keeps a
    // small, separable split from making the served probabilities all but 0 or 1.
    public const double MinimumTemperature = 0.25;
    public const double MaximumTemperature = 20;

    /// <summary>The fitted temperature; 1 when there are no held-out images.</summary>
    public static double Fit(IReadOnlyList<float[]> logits, IReadOnlyList<int> labels)
    {
        if (logits.Count != labels.Count)
        {
            throw new ArgumentException("Every logit vector needs one label.", nameof(labels));
        }

        if (logits.Count == 0)
        {
            return 1;
        }

        // The NLL is convex in 1/T, hence unimodal in log T: a golden-section search over log T converges.
        var inverseGolden = (Math.Sqrt(5) - 1) / 2;
        double low = Math.Log(MinimumTemperature), high = Math.Log(MaximumTemperature);
        var left = high - (inverseGolden * (high - low));
        var right = low + (inverseGolden * (high - low));
        double leftLoss = NegativeLogLikelihood(logits, labels, Math.Exp(left)), rightLoss = NegativeLogLikelihood(logits, labels, Math.Exp(right));
        while (high - low > 1e-4)
        {
            if (leftLoss <= rightLoss)
            {
                (high, right, rightLoss) = (right, left, leftLoss);
                left = high - (inverseGolden * (high - low));
                leftLoss = NegativeLogLikelihood(logits, labels, Math.Exp(left));
            }
            else
            {
                (low, left, leftLoss) = (left, right, rightLoss);
                right = low + (inverseGolden * (high - low));
                rightLoss = NegativeLogLikelihood(logits, labels, Math.Exp(right));
            }
        }

        return Math.Exp((low + high) / 2);
    }

    /// <summary>softmax(logits / <paramref name="temperature"/>).</summary>
    public static float[] Probabilities(ReadOnlySpan<float> logits, double temperature)
    {
        var scaled = new float[logits.Length];
        TensorPrimitives.Multiply(logits, (float)(1 / temperature), scaled);
        TensorPrimitives.Subtract(scaled, TensorPrimitives.Max<float>(scaled), scaled);
        TensorPrimitives.SoftMax(scaled, scaled);
        return scaled;
    }

    public static double NegativeLogLikelihood(IReadOnlyList<float[]> logits, IReadOnlyList<int> labels, double temperature)
    {
        var total = 0.0;
        for (var i = 0; i < logits.Count; i++)
        {
            var scaled = new double[logits[i].Length];
            for (var c = 0; c < scaled.Length; c++)
            {
                scaled[c] = logits[i][c] / temperature;
            }

            var max = scaled.Max();
            var logSum = max + Math.Log(scaled.Sum(value => Math.Exp(value - max)));
            total += logSum - scaled[labels[i]];
        }

        return total / logits.Count;
    }
}
