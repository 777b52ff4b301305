using AllClassifier.Model.Inference;
using AllClassifier.Model.Onnx.Proto;
using AllClassifier.Training.Onnx;
using static AllClassifier.Training.Onnx.OnnxNodes;
using static AllClassifier.Training.Quantization.BackbonePreparation;

namespace AllClassifier.Training.Quantization;

/// <summary>
/// Turns the prepared fp32 backbone into a QDQ INT8 graph that ONNX Runtime fuses into QLinearConv: per-channel
/// int8 kernels (uint8 for the first convolution), int32 biases, and uint8 activations quantised with the
/// calibrated ranges on every Conv input and output.
/// </summary>
/// <remarks>
/// Every Conv output gets its own Q→DQ: without it ONNX Runtime fuses only the convolutions whose outputs happen to
/// be quantised for another consumer. A Conv whose only consumer is a Relu loses the Relu: a uint8 quantiser with
/// zero point 0 clamps negatives to zero by itself. The first convolution's kernels are uint8 because AVX2 without
/// VNNI multiplies u8 × s8 pairs into saturating int16 sums, which silently overflow on its large 0..255-scale
/// inputs; their int8 form rides along for CPUs with VNNI, where it is the faster one.
/// </remarks>
internal static class BackboneQuantizer
{
    private const string QuantizeOp = "QuantizeLinear";
    private const string DequantizeOp = "DequantizeLinear";

    /// <summary>The activations the INT8 graph quantises, named as in the prepared fp32 graph.</summary>
    public static IReadOnlyList<string> QuantizedActivations(GraphProto graph) =>
        Plan(graph).Select(point => point.Tensor).Distinct(StringComparer.Ordinal).ToList();

    public static void Quantize(ModelProto model, ActivationRanges ranges)
    {
        var graph = model.Graph;
        var convs = graph.Node.Where(n => n.OpType == "Conv").ToList();
        var firstConv = Consumers(graph, graph.Node.Single(n => n.OpType == "Sub").Output[0]).Single();
        var convInputs = convs.Select(conv => conv.Input[0]).ToList();
        var activationScales = new Dictionary<string, float>(StringComparer.Ordinal);

        foreach (var point in Plan(graph))
        {
            if (activationScales.ContainsKey(point.Tensor))
            {
                continue;
            }

            var (scale, zeroPoint) = ActivationQuantization(ranges[point.Tensor], point.AbsorbedRelu is not null);
            activationScales[point.Tensor] = scale;
            var source = point.Tensor;
            if (point.AbsorbedRelu is { } relu)
            {
                source = relu.Input[0];
                graph.Node.Remove(relu);
            }

            InsertQuantizeDequantize(graph, point.Tensor, source, scale, zeroPoint);
        }

        for (var i = 0; i < convs.Count; i++)
        {
            QuantizeWeights(graph, convs[i], activationScales[convInputs[i]], asUnsigned: ReferenceEquals(convs[i], firstConv));
        }

        model.MetadataProps.Add(new StringStringEntryProto
        {
            Key = ServingGraph.FormsKey,
            Value = $"{FirstConvolutionForm.Uint8} {FirstConvolutionForm.Int8}",
        });
    }

    private sealed record QuantizationPoint(string Tensor, NodeProto? AbsorbedRelu);

    /// <summary>Every Conv's activation input and output; a Conv output read only by a Relu is quantised after the Relu.</summary>
    private static List<QuantizationPoint> Plan(GraphProto graph)
    {
        var outputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var points = new List<QuantizationPoint>();
        foreach (var conv in graph.Node.Where(n => n.OpType == "Conv"))
        {
            points.Add(new QuantizationPoint(conv.Input[0], null));
            var consumers = Consumers(graph, conv.Output[0]);
            if (consumers is [{ OpType: "Relu" } relu] && !outputs.Contains(conv.Output[0]) && !outputs.Contains(relu.Output[0]))
            {
                points.Add(new QuantizationPoint(relu.Output[0], relu));
            }
            else
            {
                points.Add(new QuantizationPoint(conv.Output[0], null));
            }
        }

        // An absorbed Relu's output may also be listed as the next Conv's input: keep the entry that absorbs it.
        var absorbed = points.Where(p => p.AbsorbedRelu is not null).Select(p => p.Tensor).ToHashSet(StringComparer.Ordinal);
        return points.Where(p => p.AbsorbedRelu is not null || !absorbed.Contains(p.Tensor)).ToList();
    }

    private static (float Scale, byte ZeroPoint) ActivationQuantization(ValueRange range, bool nonNegative)
    {
        var min = nonNegative ? 0f : Math.Min(range.Min, 0f);
        var max = Math.Max(range.Max, min + 1e-6f);
        var scale = (max - min) / 255f;
        var zeroPoint = (byte)Math.Clamp(MathF.Round(-min / scale), 0, 255);
        return (scale, zeroPoint);
    }

    /// <summary>
    /// <paramref name="source"/> → Q → one DQ per consumer of <paramref name="tensor"/>, each consumer reading its own
    /// DQ so that ONNX Runtime sees one DQ → op → Q unit per node.
    /// </summary>
    private static void InsertQuantizeDequantize(GraphProto graph, string tensor, string source, float scale, byte zeroPoint)
    {
        var scaleName = tensor + "/scale";
        var zeroPointName = tensor + "/zero_point";
        var quantized = tensor + "/quantized";
        graph.Initializer.Add(OnnxTensors.Float(scaleName, [scale]));
        graph.Initializer.Add(OnnxTensors.Bytes(zeroPointName, TensorProto.Types.DataType.Uint8, [zeroPoint]));

        var consumers = Consumers(graph, tensor);
        var producerIndex = graph.Node.ToList().FindIndex(n => n.Output.Contains(source));
        graph.Node.Insert(producerIndex + 1, Node(QuantizeOp, tensor + "/quantize", [source, scaleName, zeroPointName], [quantized]));
        for (var i = 0; i < consumers.Count; i++)
        {
            var dequantized = $"{tensor}/dq{i}";
            graph.Node.Insert(producerIndex + 2 + i, Node(DequantizeOp, dequantized, [quantized, scaleName, zeroPointName], [dequantized]));
            var consumer = consumers[i];
            for (var k = 0; k < consumer.Input.Count; k++)
            {
                if (consumer.Input[k] == tensor)
                {
                    consumer.Input[k] = dequantized;
                }
            }
        }
    }

    /// <summary>
    /// Per-output-channel kernels (int8 symmetric, or uint8 asymmetric) and an int32 bias at input × kernel scale. The
    /// uint8 first convolution also gets its int8 form as <see cref="ServingGraph.Int8Suffix"/> initializers, which
    /// serving swaps in on CPUs with VNNI (<see cref="FirstConvolutionForm"/>).
    /// </summary>
    private static void QuantizeWeights(GraphProto graph, NodeProto conv, float inputScale, bool asUnsigned)
    {
        var weightTensor = Initializer(graph, conv.Input[1]);
        var weights = OnnxTensors.Floats(weightTensor);
        var dims = weightTensor.Dims.ToArray();
        var biasTensor = Initializer(graph, conv.Input[2]);
        var bias = OnnxTensors.Floats(biasTensor);
        var prefix = conv.Input[1];
        var biasPrefix = conv.Input[2];
        graph.Initializer.Remove(weightTensor);
        graph.Initializer.Remove(biasTensor);
        AddQuantizedKernels(graph, prefix, biasPrefix, weights, bias, dims, inputScale, asUnsigned, suffix: string.Empty);
        if (asUnsigned)
        {
            AddQuantizedKernels(graph, prefix, biasPrefix, weights, bias, dims, inputScale, asUnsigned: false, ServingGraph.Int8Suffix);
        }

        var convIndex = graph.Node.IndexOf(conv);
        graph.Node.Insert(convIndex, Node(DequantizeOp, prefix + "/dequantize", [prefix + "/quantized", prefix + "/scale", prefix + "/zero_point"], [prefix + "/dequantized"], AxisZero()));
        conv.Input[1] = prefix + "/dequantized";
        graph.Node.Insert(convIndex, Node(DequantizeOp, biasPrefix + "/dequantize", [biasPrefix + "/quantized", biasPrefix + "/scale"], [biasPrefix + "/dequantized"], AxisZero()));
        conv.Input[2] = biasPrefix + "/dequantized";
    }

    private static void AddQuantizedKernels(
        GraphProto graph, string prefix, string biasPrefix, float[] weights, float[] bias, long[] dims, float inputScale, bool asUnsigned, string suffix)
    {
        var outputs = (int)dims[0];
        var perOutput = weights.Length / outputs;
        var scales = new float[outputs];
        var zeroPoints = new byte[outputs];
        var quantized = new byte[weights.Length];
        for (var o = 0; o < outputs; o++)
        {
            var channel = weights.AsSpan(o * perOutput, perOutput);
            float min = 0, max = 0;
            foreach (var w in channel)
            {
                min = Math.Min(min, w);
                max = Math.Max(max, w);
            }

            if (asUnsigned)
            {
                scales[o] = Math.Max(max - min, 1e-12f) / 255f;
                zeroPoints[o] = (byte)Math.Clamp(MathF.Round(-min / scales[o]), 0, 255);
            }
            else
            {
                scales[o] = Math.Max(Math.Max(-min, max), 1e-12f) / 127f;
            }

            for (var i = 0; i < perOutput; i++)
            {
                var q = MathF.Round(channel[i] / scales[o]) + zeroPoints[o];
                quantized[(o * perOutput) + i] = asUnsigned
                    ? (byte)Math.Clamp(q, 0, 255)
                    : unchecked((byte)(sbyte)Math.Clamp(q, -127, 127));
            }
        }

        var type = asUnsigned ? TensorProto.Types.DataType.Uint8 : TensorProto.Types.DataType.Int8;
        graph.Initializer.Add(OnnxTensors.Bytes(prefix + "/quantized" + suffix, type, quantized, dims));
        graph.Initializer.Add(OnnxTensors.Float(prefix + "/scale" + suffix, scales, outputs));
        graph.Initializer.Add(OnnxTensors.Bytes(prefix + "/zero_point" + suffix, type, zeroPoints, outputs));

        var biasScales = scales.Select(s => s * inputScale).ToArray();
        var biasValues = bias.Select((b, o) => (int)Math.Clamp(Math.Round(b / biasScales[o]), int.MinValue, int.MaxValue)).ToArray();
        graph.Initializer.Add(OnnxTensors.Int32(biasPrefix + "/quantized" + suffix, biasValues, outputs));
        graph.Initializer.Add(OnnxTensors.Float(biasPrefix + "/scale" + suffix, biasScales, outputs));
    }

    private static AttributeProto AxisZero() => IntAttribute("axis", 0);
}
