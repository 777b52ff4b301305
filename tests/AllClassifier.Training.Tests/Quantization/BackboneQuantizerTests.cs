using AllClassifier.Model;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Training.Onnx;
using AllClassifier.Model.Onnx.Proto;
using AllClassifier.Training.Quantization;
using AllClassifier.Training.Synthetic;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace AllClassifier.Training.Tests.Quantization;

public sealed class BackboneQuantizerTests(CalibratedBackbone calibrated) : IClassFixture<CalibratedBackbone>
{
    [Fact]
    public void Folding_batch_norm_and_the_channel_reorder_keeps_the_fp32_features()
    {
        var prepared = ClassifierModelComposer.ComposePreparedBackbone(BackboneFiles.InDirectory()).ToByteArray();
        using var original = OnnxClassifier.Load(ClassifierModelComposer.ComposeFeatureExtractor(BackboneFiles.InDirectory()));
        using var folded = OnnxClassifier.Load(prepared);

        foreach (var image in CalibratedBackbone.Smears(seed: 31, count: 2))
        {
            Assert.InRange(Cosine(original.Score(image).Features, folded.Score(image).Features), 0.99999, 1.0);
        }
    }

    [Fact]
    public void Int8_features_stay_within_cosine_0_99_of_fp32_on_unseen_smears()
    {
        using var fp32 = OnnxClassifier.Load(ClassifierModelComposer.ComposeFeatureExtractor(BackboneFiles.InDirectory()));
        using var int8 = OnnxClassifier.Load(ClassifierModelComposer.ComposeFeatureExtractor(BackboneFiles.InDirectory(), calibrated.Ranges));

        foreach (var image in CalibratedBackbone.Smears(seed: 77, count: 4))
        {
            Assert.InRange(Cosine(fp32.Score(image).Features, int8.Score(image).Features), 0.99, 1.0);
        }
    }

    [Theory]
    [InlineData(FirstConvolutionForm.Uint8)]
    [InlineData(FirstConvolutionForm.Int8)]
    public void Each_form_of_the_first_convolution_stays_within_cosine_0_99_of_fp32(string form)
    {
        var composed = ClassifierModelComposer.ComposeFeatureExtractor(BackboneFiles.InDirectory(), calibrated.Ranges);
        var model = ServingGraph.Prepare(composed, form, null);
        using var fp32 = OnnxClassifier.Load(ClassifierModelComposer.ComposeFeatureExtractor(BackboneFiles.InDirectory()));
        // Unfused, the graph's integer arithmetic is exact on any CPU: what VNNI computes for the int8 form.
        using var reference = OnnxClassifier.Load(model, new ScorerOptions { ReferenceKernels = true });
        // Fused, the form runs as it would serve on this CPU; the int8 form only where it is chosen (VNNI or AMX), since
        // without VNNI its u8 x s8 pairs saturate int16 (the reason the uint8 form exists).
        using var fused = form == FirstConvolutionForm.Uint8 || CpuFeatures.Current.HasVnni ? OnnxClassifier.Load(model) : null;

        Assert.Equal([FirstConvolutionForm.Uint8, FirstConvolutionForm.Int8], ServingGraph.Forms(composed));
        foreach (var image in CalibratedBackbone.Smears(seed: 77, count: 3))
        {
            var expected = fp32.Score(image).Features;
            Assert.InRange(Cosine(expected, reference.Score(image).Features), 0.99, 1.0);
            if (fused is not null)
            {
                Assert.InRange(Cosine(expected, fused.Score(image).Features), 0.99, 1.0);
            }
        }
    }

    [Fact]
    public void The_servers_graph_uses_the_form_chosen_from_those_the_file_carries()
    {
        var composed = ClassifierModelComposer.ComposeFeatureExtractor(BackboneFiles.InDirectory(), calibrated.Ranges);
        IReadOnlyList<string>? offered = null;

        var graphs = ServingGraph.PrepareForServing(composed, forms => { offered = forms; return FirstConvolutionForm.Int8; });

        Assert.Equal([FirstConvolutionForm.Uint8, FirstConvolutionForm.Int8], offered);
        Assert.Equal(offered, graphs.Forms);
        Assert.Equal(FirstConvolutionForm.Int8, graphs.Form);
        Assert.Equal(ServingGraph.Prepare(composed, FirstConvolutionForm.Int8, null), graphs.Graph);
        Assert.Throws<InvalidDataException>(() => ServingGraph.PrepareForServing(composed, _ => "int4"));
    }

    [Fact]
    public void The_int8_form_replaces_the_first_convolution_kernels_and_nothing_else()
    {
        var composed = ClassifierModelComposer.ComposeFeatureExtractor(BackboneFiles.InDirectory(), calibrated.Ranges);
        var uint8 = ModelProto.Parser.ParseFrom(ServingGraph.Prepare(composed, FirstConvolutionForm.Uint8, null)).Graph;
        var int8 = ModelProto.Parser.ParseFrom(ServingGraph.Prepare(composed, FirstConvolutionForm.Int8, null)).Graph;

        var swapped = int8.Initializer.Where(i => i.Name.EndsWith(ServingGraph.Int8Suffix, StringComparison.Ordinal)).ToList();
        Assert.Equal(5, swapped.Count); // kernels, their scales and zero points, the bias and its scales
        Assert.Contains(swapped, i => i.DataType == (int)TensorProto.Types.DataType.Int8 && i.Dims.Count == 4);
        Assert.DoesNotContain(uint8.Initializer, i => i.Name.EndsWith(ServingGraph.Int8Suffix, StringComparison.Ordinal));
        Assert.Equal(uint8.Node.Count, int8.Node.Count);
        Assert.Equal(uint8.Initializer.Count, int8.Initializer.Count);
        Assert.Single(uint8.Initializer, i => i.DataType == (int)TensorProto.Types.DataType.Uint8 && i.Dims.Count == 4);
        Assert.DoesNotContain(int8.Initializer, i => i.DataType == (int)TensorProto.Types.DataType.Uint8 && i.Dims.Count == 4);
    }

    [Fact]
    public void Onnx_runtime_fuses_every_backbone_convolution_into_a_QLinearConv()
    {
        var model = ClassifierModelComposer.ComposeFeatureExtractor(BackboneFiles.InDirectory(), calibrated.Ranges);
        var convCount = ClassifierModelComposer.ComposePreparedBackbone(BackboneFiles.InDirectory()).Graph.Node.Count(n => n.OpType == "Conv");
        var dump = Path.Combine(Path.GetTempPath(), $"int8-optimized-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = dump })
            using (new InferenceSession(model, options))
            {
            }

            var optimized = ModelProto.Parser.ParseFrom(File.ReadAllBytes(dump)).Graph.Node;
            Assert.Equal(22, convCount);
            Assert.Equal(convCount, optimized.Count(n => n.OpType == "QLinearConv"));
            Assert.DoesNotContain(optimized, n => n.OpType == "Conv");
        }
        finally
        {
            File.Delete(dump);
        }
    }

    [Fact]
    public void The_full_int8_classifier_keeps_probabilities_features_and_the_class_activation_map()
    {
        var head = TestHeads.Random(Heads.HeadKind.Softmax, seed: 3);
        using var classifier = OnnxClassifier.Load(ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), head, int8Backbone: calibrated.Ranges));
        var image = CalibratedBackbone.Smears(seed: 5, count: 1)[0];

        var explained = classifier.Explain(image);

        Assert.True(classifier.HasClassActivationMap);
        Assert.Equal(head.ClassCount, explained.Probabilities.Length);
        Assert.Equal(ClassifierModelComposer.FeatureCount, classifier.Score(image).Features.Length);
        Assert.Equal(head.ClassCount * ClassifierModelComposer.MapSize * ClassifierModelComposer.MapSize, explained.Map.Values.Length);
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * (double)b[i];
            na += a[i] * (double)a[i];
            nb += b[i] * (double)b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }
}

/// <summary>Activation ranges calibrated once on generated smears, shared by the tests that need an INT8 model.</summary>
public sealed class CalibratedBackbone
{
    public ActivationRanges Ranges { get; } = BackboneCalibrator.Calibrate(BackboneFiles.InDirectory(), Smears(seed: 11, count: 8));

    public static float[][] Smears(int seed, int count)
    {
        var generator = new SmearGenerator(seed);
        var preprocessor = new ImagePreprocessor();
        return Enumerable.Range(0, count)
            .Select(i => preprocessor.ToTensor(generator.GenerateJpeg(CellClasses.All[i % CellClasses.All.Count], i)))
            .ToArray();
    }
}
