using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Training.Heads;
using AllClassifier.Training.Onnx;
using AllClassifier.Model.Onnx.Proto;
using AllClassifier.Training.Tests.Quantization;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace AllClassifier.Training.Tests.Onnx;

/// <summary>
/// <see cref="FeatureLayout.MultiScale"/>: last-stage mean, third-stage mean and third-stage mean weighted by the
/// stain mask of the nuclei, computed inside the one ONNX file, with a class activation map that stays exact.
/// </summary>
public sealed class MultiScaleFeaturesTests(CalibratedBackbone calibrated) : IClassFixture<CalibratedBackbone>
{
    private const int Size = ImagePreprocessor.Size;
    private const int Pixels = Size * Size;
    private const int LastStage = 512;
    private const int ThirdStage = 256;
    private const int LastCells = 49;
    private const int ThirdCells = 196;

    [Fact]
    public void The_features_are_the_two_stage_means_and_the_nuclei_weighted_third_stage_mean()
    {
        var head = TestHeads.Random(HeadKind.Softmax, seed: 3, features: FeatureLayout.MultiScale.FeatureCount());
        var model = ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), head, layout: FeatureLayout.MultiScale);
        var image = SmearWithNucleus(seed: 5);

        var run = Run(model, image);

        var expected = new float[FeatureLayout.MultiScale.FeatureCount()];
        var weights = ManagedNucleiWeights(image);
        for (var k = 0; k < LastStage; k++)
        {
            expected[k] = run.LastStage.AsSpan(k * LastCells, LastCells).ToArray().Average();
        }

        for (var k = 0; k < ThirdStage; k++)
        {
            var map = run.ThirdStage.AsSpan(k * ThirdCells, ThirdCells);
            expected[LastStage + k] = map.ToArray().Average();
            var weighted = 0.0;
            for (var cell = 0; cell < ThirdCells; cell++)
            {
                weighted += map[cell] * weights[cell];
            }

            expected[LastStage + ThirdStage + k] = (float)(weighted / weights.Sum());
        }

        AssertClose(expected, run.Features, tolerance: 1e-3);
        // The mask matters: the nucleus-weighted means are not the plain ones.
        var plain = run.Features.AsSpan(LastStage, ThirdStage).ToArray();
        var nuclei = run.Features.AsSpan(LastStage + ThirdStage, ThirdStage).ToArray();
        Assert.True(plain.Zip(nuclei, (a, b) => Math.Abs(a - b)).Max() > 0.05, "the nuclei weighting changed nothing");
    }

    [Fact]
    public void The_class_activation_map_mean_plus_bias_is_still_the_logits()
    {
        var head = TestHeads.Random(HeadKind.Softmax, seed: 11, features: FeatureLayout.MultiScale.FeatureCount());
        var model = ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), head, layout: FeatureLayout.MultiScale);
        using var classifier = OnnxClassifier.Load(model);
        var image = SmearWithNucleus(seed: 13);

        var explained = classifier.Explain(image);
        var features = classifier.Score(image).Features;

        Assert.Equal(FeatureLayout.MultiScale.Name(), classifier.Metadata[FeatureLayouts.MetadataKey]);
        var logits = head.Logits(features);
        var bias = head.FoldedLayers()[0].Bias;
        for (var c = 0; c < head.ClassCount; c++)
        {
            var mean = explained.Map.ForClass(c).Average();
            Assert.InRange(Math.Abs(mean + bias[c] - logits[c]), 0, 1e-3);
        }
    }

    [Fact]
    public void The_int8_backbone_gives_the_same_layout_close_to_fp32()
    {
        using var fp32 = OnnxClassifier.Load(ClassifierModelComposer.ComposeFeatureExtractor(BackboneFiles.InDirectory(), layout: FeatureLayout.MultiScale));
        using var int8 = OnnxClassifier.Load(ClassifierModelComposer.ComposeFeatureExtractor(BackboneFiles.InDirectory(), calibrated.Ranges, FeatureLayout.MultiScale));

        foreach (var image in CalibratedBackbone.Smears(seed: 41, count: 3))
        {
            var expected = fp32.Score(image).Features;
            var actual = int8.Score(image).Features;
            Assert.Equal(FeatureLayout.MultiScale.FeatureCount(), actual.Length);
            Assert.True(Cosine(expected, actual) > 0.98, $"cosine {Cosine(expected, actual):F4}");
        }
    }

    [Fact]
    public void A_head_for_another_layout_is_refused()
    {
        var plainHead = TestHeads.Random(HeadKind.Softmax, seed: 1);

        var error = Assert.Throws<ArgumentException>(() => ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), plainHead, layout: FeatureLayout.MultiScale));
        Assert.Contains("multi_scale", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A pale field with one saturated purple disc (a stained nucleus) in its upper left quarter, plus noise.</summary>
    private static float[] SmearWithNucleus(int seed)
    {
        var random = new Random(seed);
        var image = new float[3 * Pixels];
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var inside = ((x - 60) * (x - 60)) + ((y - 50) * (y - 50)) < 30 * 30;
                float[] rgb = inside ? [150, 60, 170] : [235, 222, 230];
                for (var c = 0; c < 3; c++)
                {
                    image[(c * Pixels) + (y * Size) + x] = Math.Clamp(rgb[c] + random.Next(-6, 7), 0, 255);
                }
            }
        }

        return image;
    }

    /// <summary>The documented rule, written out independently: saturation ramp 0.25–0.40 on purple pixels, 16×16 cell means, 0.01 floor.</summary>
    private static double[] ManagedNucleiWeights(float[] image)
    {
        var weights = new double[ThirdCells];
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                var i = (y * Size) + x;
                double r = image[i], g = image[Pixels + i], b = image[(2 * Pixels) + i];
                var max = Math.Max(r, Math.Max(g, b));
                var saturation = (max - Math.Min(r, Math.Min(g, b))) / (max + 1e-3);
                var purple = g <= r && g <= b ? 1.0 : 0.0;
                weights[((y / 16) * 14) + (x / 16)] += purple * Math.Clamp((saturation - 0.25) / 0.15, 0, 1) / 256;
            }
        }

        return weights.Select(w => w + 0.01).ToArray();
    }

    private sealed record Maps(float[] LastStage, float[] ThirdStage, float[] Features);

    /// <summary>Runs the model with the feature maps its class activation map reads exposed as extra outputs.</summary>
    private static Maps Run(byte[] model, float[] image)
    {
        var proto = ModelProto.Parser.ParseFrom(model);
        string InputOf(string node) => proto.Graph.Node.Single(n => n.Name == node).Input[0];
        var lastStage = InputOf("cam/last_stage/conv");
        var thirdStage = InputOf("cam/third_stage/conv");
        foreach (var name in new[] { lastStage, thirdStage })
        {
            proto.Graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        }

        using var session = new InferenceSession(proto.ToByteArray());
        using var runOptions = new RunOptions();
        using var input = OrtValue.CreateTensorValueFromMemory(image, [1, 3, Size, Size]);
        using var outputs = session.Run(runOptions, [ClassifierModelComposer.InputName], [input], [lastStage, thirdStage, ClassifierModelComposer.FeaturesName]);
        Assert.Equal([1, LastStage, 7, 7], outputs[0].GetTensorTypeAndShape().Shape);
        Assert.Equal([1, ThirdStage, 14, 14], outputs[1].GetTensorTypeAndShape().Shape);
        return new Maps(
            outputs[0].GetTensorDataAsSpan<float>().ToArray(),
            outputs[1].GetTensorDataAsSpan<float>().ToArray(),
            outputs[2].GetTensorDataAsSpan<float>().ToArray());
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    private static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a) / Math.Max(1, Math.Abs(e))).Max();
        Assert.True(worst <= tolerance, $"largest relative difference {worst:E2}");
    }
}
