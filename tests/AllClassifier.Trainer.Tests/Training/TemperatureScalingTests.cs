using System.Numerics.Tensors;
using AllClassifier.Model.Registry;
using AllClassifier.Training.Heads;
using AllClassifier.Trainer.Training;

namespace AllClassifier.Trainer.Tests.Training;

public sealed class TemperatureScalingTests
{
    private const int ClassCount = 4;

    [Theory]
    [InlineData(3.0)]
    [InlineData(0.5)]
    public void Fit_recovers_the_temperature_that_made_calibrated_logits_over_or_under_confident(double distortion)
    {
        var (logits, labels) = CalibratedSample(seed: 5, count: 4000);
        var distorted = logits.Select(vector => vector.Select(value => (float)(value * distortion)).ToArray()).ToList();

        var temperature = TemperatureScaling.Fit(distorted, labels);

        Assert.InRange(temperature, distortion * 0.9, distortion * 1.1);
        Assert.True(TemperatureScaling.NegativeLogLikelihood(distorted, labels, temperature) < TemperatureScaling.NegativeLogLikelihood(distorted, labels, 1));
    }

    [Fact]
    public void Scaling_lowers_the_expected_calibration_error_of_overconfident_logits()
    {
        var (logits, labels) = CalibratedSample(seed: 6, count: 4000);
        var overconfident = logits.Select(vector => vector.Select(value => value * 4f).ToArray()).ToList();
        var temperature = TemperatureScaling.Fit(overconfident, labels);

        var before = CalibrationReport.ExpectedCalibrationErrorOf(CalibrationReport.BinsOf(labels, overconfident.Select(v => TemperatureScaling.Probabilities(v, 1)).ToList()));
        var after = CalibrationReport.ExpectedCalibrationErrorOf(CalibrationReport.BinsOf(labels, overconfident.Select(v => TemperatureScaling.Probabilities(v, temperature)).ToList()));

        Assert.True(after < before / 2, $"ECE {before:F3} -> {after:F3}");
    }

    [Fact]
    public void A_head_with_a_temperature_keeps_its_predictions_and_tempers_its_probabilities()
    {
        var random = new Random(3);
        var head = new ClassifierHead(
            HeadKind.Mlp,
            Values(random, 8),
            [.. Enumerable.Repeat(1f, 8)],
            [new DenseLayer(8, 5, Values(random, 40), Values(random, 5)), new DenseLayer(5, ClassCount, Values(random, 20), Values(random, ClassCount))]);
        var tempered = head.WithTemperature(2.5);

        foreach (var _ in Enumerable.Range(0, 20))
        {
            var features = Values(random, 8);
            var expected = TemperatureScaling.Probabilities(head.Logits(features), 2.5);
            var actual = tempered.PredictProbabilities(features);
            Assert.Equal(TensorPrimitives.IndexOfMax<float>(head.PredictProbabilities(features)), TensorPrimitives.IndexOfMax<float>(actual));
            Assert.All(expected.Zip(actual), pair => Assert.Equal(pair.First, pair.Second, 1e-5f));
        }
    }

    [Fact]
    public void Reliability_bins_count_by_top_confidence_and_the_error_weighs_their_gaps()
    {
        float[][] probabilities = [[0.95f, 0.05f, 0, 0], [0.9f, 0.1f, 0, 0], [0.25f, 0.65f, 0.1f, 0], [0.55f, 0.45f, 0, 0]];
        int[] labels = [0, 1, 1, 0];

        var bins = CalibrationReport.BinsOf(labels, probabilities, binCount: 10);

        Assert.Equal(2, bins[8].Count + bins[9].Count);
        Assert.Equal(1, bins[6].Count);
        Assert.Equal(1, bins[5].Count);
        // Gaps: 0.95-1 (0.05), 0.9-0 (0.9), 0.65-1 (0.35), 0.55-1 (0.45), each one image of four.
        Assert.Equal((0.05 + 0.9 + 0.35 + 0.45) / 4, CalibrationReport.ExpectedCalibrationErrorOf(bins), 1e-5);
    }

    // Labels drawn from softmax(logits): these logits are calibrated by construction.
    private static (List<float[]> Logits, List<int> Labels) CalibratedSample(int seed, int count)
    {
        var random = new Random(seed);
        var logits = new List<float[]>();
        var labels = new List<int>();
        for (var i = 0; i < count; i++)
        {
            var vector = Enumerable.Range(0, ClassCount).Select(_ => (float)(random.NextDouble() * 4)).ToArray();
            var probabilities = TemperatureScaling.Probabilities(vector, 1);
            var draw = random.NextDouble();
            var label = 0;
            for (var cumulative = probabilities[0]; cumulative < draw && label < ClassCount - 1; cumulative += probabilities[++label])
            {
            }

            logits.Add(vector);
            labels.Add(label);
        }

        return (logits, labels);
    }

    private static float[] Values(Random random, int count) => Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
}
