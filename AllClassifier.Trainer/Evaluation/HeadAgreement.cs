using System.Globalization;
using AllClassifier.Training.Heads;

namespace AllClassifier.Trainer.Evaluation;

/// <summary>
/// The check that ONNX composition kept the trained head: the composed model's probabilities for an image against
/// the managed head's for the same image's features. Training checks a few images, testing every timed one.
/// </summary>
public sealed class HeadAgreement(ClassifierHead head)
{
    /// <summary>Largest probability difference tolerated between the composed model and the managed head.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>The largest difference seen so far.</summary>
    public double MaxDifference { get; private set; }

    /// <summary>Compares the composed model's <paramref name="onnxProbabilities"/> with the head's for <paramref name="features"/>.</summary>
    public void Compare(ReadOnlySpan<float> onnxProbabilities, float[] features) =>
        CompareProbabilities(onnxProbabilities, head.PredictProbabilities(features));

    /// <summary>Compares the composed model's <paramref name="onnxProbabilities"/> with the head's <paramref name="managed"/> ones (e.g. a mean over views).</summary>
    public void CompareProbabilities(ReadOnlySpan<float> onnxProbabilities, ReadOnlySpan<float> managed)
    {
        for (var c = 0; c < managed.Length; c++)
        {
            MaxDifference = Math.Max(MaxDifference, Math.Abs(onnxProbabilities[c] - managed[c]));
        }
    }

    /// <summary>Fails the task when the difference is over <see cref="Tolerance"/>; <paramref name="images"/> says which images were compared.</summary>
    public double Require(string images)
    {
        if (MaxDifference > Tolerance)
        {
            throw new InvalidOperationException(string.Create(
                CultureInfo.InvariantCulture,
                $"The composed model disagrees with the trained head on {images} by {MaxDifference:E2} (tolerance {Tolerance:E0})."));
        }

        return MaxDifference;
    }
}
