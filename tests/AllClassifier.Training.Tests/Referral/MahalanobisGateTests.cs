using AllClassifier.Model.Referral;
using AllClassifier.Training.Onnx;
using AllClassifier.Training.Referral;
using Microsoft.ML.OnnxRuntime;

namespace AllClassifier.Training.Tests.Referral;

public sealed class MahalanobisGateTests
{
    private const int Dimension = 24;
    private const int Classes = 3;

    /// <summary>Class c is a Gaussian around 3·e_c with correlated noise: strong along axis 0, weak along the others.</summary>
    private static (List<float[]> Features, List<int> Labels) Sample(int count, int seed, double offset = 0)
    {
        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var features = new List<float[]>();
        var labels = new List<int>();
        for (var i = 0; i < count; i++)
        {
            var label = i % Classes;
            var shared = Normal() * 4;
            var vector = new float[Dimension];
            for (var d = 0; d < Dimension; d++)
            {
                vector[d] = (float)((d == label ? 3 : 0) + (d == 0 ? shared : shared * 0.1) + (Normal() * 0.5) + offset);
            }

            features.Add(vector);
            labels.Add(label);
        }

        return (features, labels);
    }

    [Fact]
    public void Held_out_points_of_the_fitted_classes_score_far_lower_than_points_off_their_covariance()
    {
        var (train, labels) = Sample(3000, seed: 1);
        var gate = MahalanobisGate.Fit(train, labels, Classes);
        var (heldOut, _) = Sample(300, seed: 2);
        var (shifted, _) = Sample(300, seed: 3, offset: 1.5);

        var inScores = heldOut.Select(v => gate.Score(v)).Order().ToList();
        var outScores = shifted.Select(v => gate.Score(v)).ToList();

        // A squared Mahalanobis distance of held-out points is about the dimension.
        Assert.InRange(inScores[inScores.Count / 2], Dimension * 0.6, Dimension * 1.4);
        Assert.True(outScores.Min() > inScores[^3], $"out min {outScores.Min()}, in 99th {inScores[^3]}");
        Assert.InRange(gate.Shrinkage, 0, 0.2);
    }

    [Fact]
    public void The_score_is_invariant_to_the_noise_direction_a_euclidean_distance_is_fooled_by()
    {
        var (train, labels) = Sample(3000, seed: 4);
        var gate = MahalanobisGate.Fit(train, labels, Classes);
        var alongNoise = new float[Dimension];
        var acrossNoise = new float[Dimension];
        // Class 0's mean plus two standard deviations of the shared noise (8 along axis 0, 0.8 along each other axis):
        // about 8.9 away in euclidean terms, yet typical. Across it, 3 along a quiet axis is six of its deviations.
        for (var d = 0; d < Dimension; d++)
        {
            alongNoise[d] = d == 0 ? 3 + 8 : 0.8f;
        }

        acrossNoise[0] = 3;
        acrossNoise[5] = 3;

        Assert.True(gate.Score(alongNoise) < gate.Score(acrossNoise), $"{gate.Score(alongNoise)} vs {gate.Score(acrossNoise)}");
    }

    [Fact]
    public void The_composed_graph_computes_the_managed_score()
    {
        var (train, labels) = Sample(600, seed: 5);
        var gate = MahalanobisGate.Fit(train, labels, Classes);
        var (probe, _) = Sample(10, seed: 6, offset: 0.7);
        using var session = new InferenceSession(ClassifierModelComposer.ComposeReferralGate(gate));
        var batch = probe.SelectMany(v => v).ToArray();
        using var input = OrtValue.CreateTensorValueFromMemory(batch, [probe.Count, Dimension]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["features"], [input], ["ood_score"]);
        var scores = outputs[0].GetTensorDataAsSpan<float>().ToArray();

        Assert.Equal(probe.Count, scores.Length);
        for (var i = 0; i < probe.Count; i++)
        {
            var expected = gate.Score(probe[i]);
            Assert.True(Math.Abs(scores[i] - expected) <= 1e-3 * Math.Max(1, expected), $"{scores[i]} vs {expected}");
        }
    }

    [Fact]
    public void Saved_parameters_load_back_unchanged()
    {
        var (train, labels) = Sample(300, seed: 7);
        var gate = MahalanobisGate.Fit(train, labels, Classes);
        var path = Path.GetTempFileName();
        try
        {
            gate.Save(path);
            var loaded = MahalanobisGate.Load(path);

            Assert.Equal(gate.Whitening, loaded.Whitening);
            Assert.Equal(gate.ClassCentres, loaded.ClassCentres);
            Assert.Equal(gate.Score(train[0]), loaded.Score(train[0]));
        }
        finally
        {
            File.Delete(path);
        }
    }
}

public sealed class ReferralGateFitterTests
{
    private static ImageQuality Quality(Random random) => new(
        Focus: 40 * Math.Exp(random.NextDouble() - 0.5),
        MeanLuminance: 170 + (random.NextDouble() * 20),
        BrightFraction: random.NextDouble() * 0.05,
        DarkFraction: 0,
        Contrast: 25 + (random.NextDouble() * 5),
        RedChromaticity: 0.36 + (random.NextDouble() * 0.02),
        BlueChromaticity: 0.36 + (random.NextDouble() * 0.02),
        Saturation: 0.2 + (random.NextDouble() * 0.05),
        MinSide: 224);

    [Theory]
    [InlineData(0.99)]
    [InlineData(0.95)]
    public void Thresholds_let_at_least_the_stated_coverage_of_held_out_images_through_and_no_more_than_needed(double coverage)
    {
        var random = new Random(11);
        var scores = Enumerable.Range(0, 400).Select(_ => random.NextDouble() * 100).ToList();
        var quality = Enumerable.Range(0, 400).Select(_ => Quality(random)).ToList();
        var gate = MahalanobisGate.Euclidean(4, 2);

        var fitted = ReferralGateFitter.Fit(gate, scores, quality, coverage);

        var passed = scores.Zip(quality).Count(pair => !fitted.Decide(pair.Second, pair.First).Refer);
        Assert.True(passed >= Math.Ceiling(coverage * 400), $"{passed} passed");
        Assert.True(passed <= Math.Ceiling(coverage * 400) + 2, $"{passed} passed: the threshold is looser than the coverage needs");
        Assert.Equal(coverage, fitted.Coverage);
        Assert.Equal(1 - ((double)passed / 400), fitted.HeldOutReferralRate, 10);
        Assert.Equal(400, fitted.HeldOut);
    }

    [Fact]
    public void Quality_limits_sit_outside_the_held_out_spread_so_good_images_pass_and_junk_does_not()
    {
        var random = new Random(12);
        var quality = Enumerable.Range(0, 400).Select(_ => Quality(random)).ToList();

        var limits = ReferralGateFitter.QualityLimitsOf(quality);
        var reasons = new List<string>();
        foreach (var image in quality)
        {
            limits.AddFailures(image, reasons);
        }

        Assert.Empty(reasons);
        limits.AddFailures(quality[0] with { Focus = 1, Contrast = 0.5, MeanLuminance = 250, MinSide = 16 }, reasons);
        Assert.Equal([ReferralReasons.OutOfFocus, ReferralReasons.OverExposed, ReferralReasons.TooLittleContent], reasons);
        Assert.Equal(ReferralGateFitter.MinSide, limits.MinSide);
    }
}
