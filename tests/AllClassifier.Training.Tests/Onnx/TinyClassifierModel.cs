using AllClassifier.Training.Onnx;
using AllClassifier.Model.Onnx.Proto;
using Google.Protobuf;

namespace AllClassifier.Tests.Onnx;

/// <summary>
/// A kilobyte-sized ONNX model with the served model's interface (input <c>image</c> [N,3,224,224], outputs
/// <c>probabilities</c> [N,4] and <c>features</c>): channel means → dense layer → softmax. For tests that move
/// model files around and only need ONNX Runtime to accept them.
/// </summary>
public static class TinyClassifierModel
{
    public static byte[] Create(int seed)
    {
        var random = new Random(seed);
        var graph = new GraphProto { Name = "tiny_classifier" };
        graph.Input.Add(Value(ClassifierModelComposer.InputName, 3, 224, 224));
        graph.Output.Add(Value(ClassifierModelComposer.ProbabilitiesName, 4));
        graph.Output.Add(Value(ClassifierModelComposer.FeaturesName, 3));
        var weights = new TensorProto { Name = "weights", DataType = (int)TensorProto.Types.DataType.Float };
        weights.Dims.AddRange([3, 4]);
        weights.FloatData.AddRange(Enumerable.Range(0, 12).Select(_ => (float)(random.NextDouble() - 0.5) / 100));
        var bias = new TensorProto { Name = "bias", DataType = (int)TensorProto.Types.DataType.Float };
        bias.Dims.Add(4);
        bias.FloatData.AddRange(Enumerable.Range(0, 4).Select(_ => (float)random.NextDouble()));
        graph.Initializer.AddRange([weights, bias]);
        graph.Node.Add(Node("GlobalAveragePool", ["image"], ["pooled"]));
        graph.Node.Add(Node("Flatten", ["pooled"], [ClassifierModelComposer.FeaturesName], Int("axis", 1)));
        graph.Node.Add(Node("Gemm", [ClassifierModelComposer.FeaturesName, "weights", "bias"], ["logits"]));
        graph.Node.Add(Node("Softmax", ["logits"], [ClassifierModelComposer.ProbabilitiesName], Int("axis", 1)));
        var model = new ModelProto { IrVersion = 4, ProducerName = "AllClassifier tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 8 });
        return model.ToByteArray();
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = op };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static ValueInfoProto Value(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        shape.Dim.AddRange(dims.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }));
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
