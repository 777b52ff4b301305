using AllClassifier.Training.Onnx;
using AllClassifier.Model.Onnx.Proto;

namespace AllClassifier.Training.Quantization;

/// <summary>
/// Rewrites the composed fp32 backbone into an equivalent graph that can carry per-channel INT8 weights: the
/// package preprocessing's channel <c>Split</c>/<c>Concat</c> is folded into the first convolution, every
/// BatchNormalization is folded into the Conv before it, and the opset is raised to 13.
/// </summary>
/// <remarks>
/// Opset 13 is needed for per-channel DequantizeLinear. The ops left in the backbone (Sub, Conv, Relu, MaxPool,
/// Add, AveragePool, Flatten) mean the same at 8 and 13 with the attributes the CNTK export sets; the two that
/// do not — BatchNormalization's <c>spatial</c> and Split's <c>split</c> attribute — are exactly the ones folded away.
/// </remarks>
internal static class BackbonePreparation
{
    public const long OpsetVersion = 13;

    // Opset 13 needs IR version 7.
    public const long IrVersion = 7;

    public static void Prepare(ModelProto model)
    {
        FoldChannelReorder(model.Graph);
        FoldBatchNormalization(model.Graph);
        model.IrVersion = IrVersion;
        model.OpsetImport.Clear();
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion });
    }

    /// <summary>
    /// RGB → Split → Concat(B,G,R) → Sub(mean) → Conv becomes RGB → Sub(mean in RGB order) → Conv with its input
    /// channels reversed: the same arithmetic without the reorder.
    /// </summary>
    private static void FoldChannelReorder(GraphProto graph)
    {
        var split = graph.Node.Single(n => n.OpType == "Split");
        var concat = Consumers(graph, split.Output[0]).Single();
        if (concat.OpType != "Concat" || !concat.Input.SequenceEqual(split.Output.Reverse()))
        {
            throw new InvalidDataException("The preprocessing is not the expected RGB → BGR channel reversal.");
        }

        var subtract = Consumers(graph, concat.Output[0]).Single(n => n.OpType == "Sub");
        var mean = Initializer(graph, subtract.Input[1]);
        OnnxTensors.SetFloats(mean, ReverseChannels(OnnxTensors.Floats(mean), mean.Dims[0], mean.Dims[1]));
        subtract.Input[0] = split.Input[0];

        foreach (var conv in Consumers(graph, subtract.Output[0]))
        {
            if (conv.OpType != "Conv")
            {
                throw new InvalidDataException($"The preprocessed image feeds a {conv.OpType}, not a Conv.");
            }

            var weight = Initializer(graph, conv.Input[1]);
            OnnxTensors.SetFloats(weight, ReverseChannels(OnnxTensors.Floats(weight), weight.Dims[0], weight.Dims[1]));
        }

        graph.Node.Remove(split);
        graph.Node.Remove(concat);
    }

    /// <summary>Reverses axis 1 of a [outer, channels, …] tensor.</summary>
    private static float[] ReverseChannels(float[] values, long outer, long channels)
    {
        var inner = (int)(values.Length / (outer * channels));
        var reversed = new float[values.Length];
        for (var o = 0; o < outer; o++)
        {
            for (var c = 0; c < channels; c++)
            {
                var from = (int)((o * channels) + c) * inner;
                var to = (int)((o * channels) + (channels - 1 - c)) * inner;
                Array.Copy(values, from, reversed, to, inner);
            }
        }

        return reversed;
    }

    /// <summary>Conv → BatchNormalization becomes one Conv with scaled kernels and a bias.</summary>
    private static void FoldBatchNormalization(GraphProto graph)
    {
        foreach (var norm in graph.Node.Where(n => n.OpType == "BatchNormalization").ToList())
        {
            var conv = graph.Node.Single(n => n.Output.Contains(norm.Input[0]));
            if (conv.OpType != "Conv" || Consumers(graph, conv.Output[0]).Count != 1)
            {
                throw new InvalidDataException($"BatchNormalization '{norm.Name}' does not follow a Conv of its own.");
            }

            var epsilon = norm.Attribute.SingleOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
            var gamma = OnnxTensors.Floats(Initializer(graph, norm.Input[1]));
            var beta = OnnxTensors.Floats(Initializer(graph, norm.Input[2]));
            var mean = OnnxTensors.Floats(Initializer(graph, norm.Input[3]));
            var variance = OnnxTensors.Floats(Initializer(graph, norm.Input[4]));

            var weightTensor = Initializer(graph, conv.Input[1]);
            var weights = OnnxTensors.Floats(weightTensor);
            var outputs = gamma.Length;
            var perOutput = weights.Length / outputs;
            var bias = conv.Input.Count > 2 ? OnnxTensors.Floats(Initializer(graph, conv.Input[2])) : new float[outputs];
            for (var o = 0; o < outputs; o++)
            {
                var scale = gamma[o] / MathF.Sqrt(variance[o] + epsilon);
                foreach (ref var w in weights.AsSpan(o * perOutput, perOutput))
                {
                    w *= scale;
                }

                bias[o] = beta[o] + ((bias[o] - mean[o]) * scale);
            }

            OnnxTensors.SetFloats(weightTensor, weights);
            var biasName = conv.Name + "/folded_bias";
            graph.Initializer.Add(OnnxTensors.Float(biasName, bias, outputs));
            if (conv.Input.Count > 2)
            {
                conv.Input[2] = biasName;
            }
            else
            {
                conv.Input.Add(biasName);
            }

            conv.Output[0] = norm.Output[0];
            graph.Node.Remove(norm);
        }

        RemoveUnusedInitializers(graph);
    }

    public static List<NodeProto> Consumers(GraphProto graph, string tensor) =>
        graph.Node.Where(n => n.Input.Contains(tensor)).ToList();

    public static TensorProto Initializer(GraphProto graph, string name) =>
        graph.Initializer.SingleOrDefault(t => t.Name == name)
        ?? throw new InvalidDataException($"The graph has no initializer '{name}'.");

    private static void RemoveUnusedInitializers(GraphProto graph)
    {
        var used = graph.Node.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        foreach (var unused in graph.Initializer.Where(t => !used.Contains(t.Name)).ToList())
        {
            graph.Initializer.Remove(unused);
        }
    }
}
