using AllClassifier.Training.Heads;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Training.Onnx;
using AllClassifier.Model.Onnx.Proto;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace AllClassifier.Training.Tests.Onnx;

public sealed class ClassActivationMapTests
{
    private const int Cells = ClassifierModelComposer.MapSize * ClassifierModelComposer.MapSize;
    private const double Tolerance = 1e-4;

    [Fact]
    public void The_map_is_the_head_applied_at_every_position_of_the_feature_map_and_its_mean_plus_bias_gives_the_logits()
    {
        var head = TestHeads.Random(HeadKind.Softmax, seed: 21);
        var model = ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), head);
        var image = TestImages.RandomTensors(1, seed: 4);

        var (featureMap, features, onnxMap) = RunWithFeatureMap(model, image);

        var layer = head.FoldedLayers()[0];
        var managedMap = ManagedMap(layer, featureMap);
        AssertClose(managedMap, onnxMap);

        // The pooled features are the feature map's spatial mean: the map was taken before the right pooling node.
        for (var k = 0; k < ClassifierModelComposer.FeatureCount; k++)
        {
            Assert.InRange(Math.Abs(featureMap.AsSpan(k * Cells, Cells).ToArray().Average() - features[k]), 0, Tolerance);
        }

        var logits = head.Logits(features);
        for (var c = 0; c < head.ClassCount; c++)
        {
            var spatialMean = onnxMap.AsSpan(c * Cells, Cells).ToArray().Average();
            Assert.InRange(Math.Abs(spatialMean + layer.Bias[c] - logits[c]), 0, Tolerance);
        }
    }

    [Fact]
    public void Explain_gives_the_same_probabilities_as_score_and_the_map_of_the_metadata_variant()
    {
        var head = TestHeads.Random(HeadKind.Softmax, seed: 5);
        using var classifier = OnnxClassifier.Load(ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), head));
        var image = TestImages.RandomTensors(1, seed: 8);

        var scored = classifier.Score(image);
        var explained = classifier.Explain(image);

        Assert.True(classifier.HasClassActivationMap);
        Assert.Equal(ClassActivationMapVariant.Head, classifier.Metadata[ClassActivationMapVariant.MetadataKey]);
        Assert.Equal(scored.Probabilities, explained.Probabilities);
        Assert.Equal(scored.PredictedClass, explained.PredictedClass);
        Assert.Equal(head.ClassCount * Cells, explained.Map.Values.Length);
        Assert.Equal(explained.Map.Values[(2 * Cells)..(3 * Cells)], explained.Map.ForClass(2));
    }

    [Fact]
    public void The_graph_for_plain_predictions_drops_the_map_and_only_the_nodes_that_feed_it_alone()
    {
        var head = TestHeads.Random(HeadKind.Softmax, seed: 6);
        var full = ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), head);
        var outputs = ServingGraph.Outputs(full).Where(o => o != ClassifierModelFile.ClassActivationMapName).ToList();
        var pruned = ServingGraph.Prepare(full, null, outputs);
        using var explaining = OnnxClassifier.Load(full);
        using var predicting = OnnxClassifier.Load(pruned);
        var image = TestImages.RandomTensors(1, seed: 12);

        var fullGraph = ModelProto.Parser.ParseFrom(full).Graph;
        var prunedGraph = ModelProto.Parser.ParseFrom(pruned).Graph;
        Assert.Contains(ClassifierModelFile.ClassActivationMapName, ServingGraph.Outputs(full));
        Assert.Equal(outputs, ServingGraph.Outputs(pruned));
        Assert.False(predicting.HasClassActivationMap);
        Assert.InRange(prunedGraph.Node.Count, 1, fullGraph.Node.Count - 1);
        Assert.DoesNotContain(prunedGraph.Node, n => n.Output.Contains(ClassifierModelFile.ClassActivationMapName));
        Assert.Equal(explaining.Score(image).Probabilities, predicting.Score(image).Probabilities);
        Assert.Equal(explaining.Score(image).Features, predicting.Score(image).Features);
    }

    [Fact]
    public void The_servers_graph_from_one_parse_is_the_graph_prepared_from_the_file_and_prunes_alike()
    {
        var head = TestHeads.Random(HeadKind.Softmax, seed: 7);
        var full = ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), head);
        var outputs = ServingGraph.Outputs(full).Where(o => o != ClassifierModelFile.ClassActivationMapName).ToList();
        IReadOnlyList<string>? offered = null;

        var graphs = ServingGraph.PrepareForServing(full, forms => { offered = forms; return null; });

        Assert.Empty(offered!); // an fp32 model has no first-convolution forms to choose from
        Assert.Null(graphs.Form);
        Assert.Equal(ServingGraph.Outputs(full), graphs.Outputs);
        Assert.Equal(ServingGraph.Prepare(full, null, null), graphs.Graph);
        Assert.Equal(ServingGraph.Prepare(full, null, outputs), ServingGraph.Prepare(graphs.Graph, null, outputs));
    }

    [Fact]
    public void An_mlp_head_takes_its_map_from_the_linear_probe()
    {
        var mlp = TestHeads.Random(HeadKind.Mlp, seed: 9);
        var probe = TestHeads.Random(HeadKind.Softmax, seed: 10);
        var model = ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), mlp, linearProbe: probe);
        var image = TestImages.RandomTensors(1, seed: 12);

        var (featureMap, features, onnxMap) = RunWithFeatureMap(model, image);
        using var classifier = OnnxClassifier.Load(model);

        AssertClose(ManagedMap(probe.FoldedLayers()[0], featureMap), onnxMap);
        Assert.Equal(ClassActivationMapVariant.LinearProbe, classifier.Metadata[ClassActivationMapVariant.MetadataKey]);
        var probabilities = classifier.Score(image).Probabilities;
        var managed = mlp.PredictProbabilities(features);
        for (var c = 0; c < managed.Length; c++)
        {
            Assert.InRange(Math.Abs(probabilities[c] - managed[c]), 0, Tolerance);
        }
    }

    [Fact]
    public void An_mlp_head_without_a_probe_serves_without_a_map()
    {
        using var classifier = OnnxClassifier.Load(ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), TestHeads.Random(HeadKind.Mlp, seed: 1)));

        Assert.True(classifier.HasProbabilities);
        Assert.False(classifier.HasClassActivationMap);
        Assert.False(classifier.Metadata.ContainsKey(ClassActivationMapVariant.MetadataKey));
        Assert.Throws<InvalidOperationException>(() => classifier.Explain(TestImages.RandomTensors(1, seed: 2)));
    }

    [Fact]
    public void A_probe_that_is_not_linear_is_refused()
    {
        var mlp = TestHeads.Random(HeadKind.Mlp, seed: 1);

        Assert.Throws<ArgumentException>(() => ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), mlp, linearProbe: mlp));
    }

    private static float[] ManagedMap(DenseLayer layer, float[] featureMap)
    {
        var map = new float[layer.Outputs * Cells];
        for (var c = 0; c < layer.Outputs; c++)
        {
            for (var k = 0; k < layer.Inputs; k++)
            {
                var weight = layer.Weights[(c * layer.Inputs) + k];
                for (var cell = 0; cell < Cells; cell++)
                {
                    map[(c * Cells) + cell] += weight * featureMap[(k * Cells) + cell];
                }
            }
        }

        return map;
    }

    /// <summary>Runs the composed model with the Conv's input (the backbone's 7×7×512 feature map) exposed as an extra output.</summary>
    private static (float[] FeatureMap, float[] Features, float[] Map) RunWithFeatureMap(byte[] model, float[] image)
    {
        var proto = ModelProto.Parser.ParseFrom(model);
        var featureMapName = proto.Graph.Node.Single(node => node.OpType == "Conv" && node.Output.Contains(ClassifierModelComposer.ClassActivationMapName)).Input[0];
        proto.Graph.Output.Add(new ValueInfoProto
        {
            Name = featureMapName,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
        });

        using var session = new InferenceSession(proto.ToByteArray());
        using var runOptions = new RunOptions();
        using var input = OrtValue.CreateTensorValueFromMemory(image, [1, 3, ImagePreprocessor.Size, ImagePreprocessor.Size]);
        using var outputs = session.Run(
            runOptions,
            [ClassifierModelComposer.InputName],
            [input],
            [featureMapName, ClassifierModelComposer.FeaturesName, ClassifierModelComposer.ClassActivationMapName]);
        Assert.Equal([1, ClassifierModelComposer.FeatureCount, 7, 7], outputs[0].GetTensorTypeAndShape().Shape);
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[1].GetTensorDataAsSpan<float>().ToArray(), outputs[2].GetTensorDataAsSpan<float>().ToArray());
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= Tolerance, $"largest difference {worst:E2}");
    }
}
