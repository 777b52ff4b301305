using AllClassifier.Model.Inference;
using AllClassifier.Training.Heads;
using AllClassifier.Training.Onnx.Proto;
using AllClassifier.Training.Quantization;
using static AllClassifier.Training.Onnx.OnnxNodes;
using Google.Protobuf;

namespace AllClassifier.Training.Onnx;

/// <summary>
/// Builds the one ONNX file that is served: ResNet preprocessing → ResNet18 → Flatten → head → Softmax, with a
/// symbolic batch dimension. Input <see cref="InputName"/> is planar RGB 0..255 [N,3,224,224]; outputs are
/// <see cref="ProbabilitiesName"/> [N,classes], <see cref="FeaturesName"/> [N,512] and, when a linear map is
/// available, <see cref="ClassActivationMapName"/> [N,classes,7,7].
/// </summary>
/// <remarks>
/// The class activation map is a 1×1 convolution of ResNet18's last 7×7×512 feature map (the input of its global
/// average pooling) with a linear head's weights, standardization folded in. Because pooling is a mean and the
/// head is linear, the map's spatial mean plus the head's bias is exactly that head's logits: the map shows where
/// the evidence for each class sits, not an approximation of it.
/// </remarks>
public static class ClassifierModelComposer
{
    public const string InputName = ClassifierModelFile.InputName;
    public const string ProbabilitiesName = ClassifierModelFile.ProbabilitiesName;
    public const string FeaturesName = ClassifierModelFile.FeaturesName;
    public const string ClassActivationMapName = ClassifierModelFile.ClassActivationMapName;
    public const int MapSize = ClassifierModelFile.MapSize;
    public const string BatchDimension = "batch";
    public const int FeatureCount = 512;

    // Both shipped graphs are opset 8 (a CNTK export). Nodes added here must exist at opset 8 and mean the same at
    // opset 13: the INT8 backbone raises the opset after folding the two ops whose semantics change (BatchNormalization, Split).
    private const long OpsetVersion = 8;

    // IR 4 lets initializers stay out of the graph inputs, so the model has exactly one input.
    private const long IrVersion = 4;

    /// <summary>
    /// The full classifier: probabilities, features and the class activation map of <paramref name="head"/> when it
    /// is linear, else of <paramref name="linearProbe"/> (a linear head trained on the same features); without
    /// either, the model has no map. The variant used is written to the metadata under <see cref="ClassActivationMapVariant.MetadataKey"/>.
    /// </summary>
    public static byte[] Compose(
        BackboneFiles backbone,
        ClassifierHead head,
        IReadOnlyDictionary<string, string>? metadata = null,
        ClassifierHead? linearProbe = null,
        ActivationRanges? int8Backbone = null)
    {
        ValidateHead(head, nameof(head));
        var camHead = head.Layers.Count == 1 ? head : linearProbe;
        if (camHead is not null)
        {
            ValidateHead(camHead, nameof(linearProbe));
            if (camHead.Layers.Count != 1 || camHead.ClassCount != head.ClassCount)
            {
                throw new ArgumentException($"The linear probe must be one layer with {head.ClassCount} outputs.", nameof(linearProbe));
            }
        }

        var (model, featureMap) = ComposeBackbone(backbone, int8Backbone);
        AppendHead(model.Graph, head);
        var allMetadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>());
        if (camHead is not null)
        {
            AppendClassActivationMap(model.Graph, featureMap, camHead);
            allMetadata[ClassActivationMapVariant.MetadataKey] = ReferenceEquals(camHead, head)
                ? ClassActivationMapVariant.Head
                : ClassActivationMapVariant.LinearProbe;
        }

        AddMetadata(model, allMetadata);
        return model.ToByteArray();
    }

    /// <summary>
    /// The backbone alone (output <see cref="FeaturesName"/>), used to compute training features: fp32, or INT8 with
    /// <paramref name="int8Backbone"/>'s calibrated activation ranges.
    /// </summary>
    public static byte[] ComposeFeatureExtractor(BackboneFiles backbone, ActivationRanges? int8Backbone = null) =>
        ComposeBackbone(backbone, int8Backbone).Model.ToByteArray();

    /// <summary>The fp32 backbone with BatchNorm and the channel reorder folded, at opset 13: what INT8 calibration runs.</summary>
    internal static ModelProto ComposePreparedBackbone(BackboneFiles backbone)
    {
        var model = ComposeBackbone(backbone, null).Model;
        BackbonePreparation.Prepare(model);
        return model;
    }

    private static void ValidateHead(ClassifierHead head, string parameterName)
    {
        head.Validate();
        if (head.FeatureCount != FeatureCount)
        {
            throw new ArgumentException($"The head takes {head.FeatureCount} features; the backbone gives {FeatureCount}.", parameterName);
        }
    }

    /// <summary>The composed backbone and the name of its last feature map, the input of the global pooling.</summary>
    private static (ModelProto Model, string FeatureMap) ComposeBackbone(BackboneFiles backbone, ActivationRanges? int8Backbone)
    {
        var preprocess = ModelProto.Parser.ParseFrom(File.ReadAllBytes(backbone.PreprocessPath));
        var resnet = ModelProto.Parser.ParseFrom(File.ReadAllBytes(backbone.ResNet18Path));
        var prepInput = SingleRealInput(preprocess.Graph);
        var prepOutput = preprocess.Graph.Output.Single().Name;
        var resnetInput = SingleRealInput(resnet.Graph);
        var resnetOutput = resnet.Graph.Output.Single().Name;

        var graph = new GraphProto { Name = "all_classifier" };
        // The preprocess graph's input becomes the model input; its output feeds ResNet18 directly.
        CopyGraph(preprocess.Graph, graph, "preprocess/", new Dictionary<string, string> { [prepInput] = InputName });
        CopyGraph(resnet.Graph, graph, "resnet18/", new Dictionary<string, string> { [resnetInput] = "preprocess/" + prepOutput });

        var pooling = resnet.Graph.Node.Single(node => node.Output.Contains(resnetOutput));
        var featureMap = "resnet18/" + pooling.Input[0];
        graph.Node.Add(Node("Flatten", "features/flatten", ["resnet18/" + resnetOutput], [FeaturesName], IntAttribute("axis", 1)));
        graph.Input.Add(TensorValue(InputName, BatchDimension, 3, 224, 224));
        graph.Output.Add(TensorValue(FeaturesName, BatchDimension, FeatureCount));

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "AllClassifier",
            ProducerVersion = typeof(ClassifierModelComposer).Assembly.GetName().Version?.ToString() ?? "1.0.0",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion });
        if (int8Backbone is not null)
        {
            BackbonePreparation.Prepare(model);
            BackboneQuantizer.Quantize(model, int8Backbone);
        }

        return (model, featureMap);
    }

    private static string SingleRealInput(GraphProto graph)
    {
        // IR 3 graphs list their initializers among the inputs too; the real input is the one without data.
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        return graph.Input.Select(i => i.Name).Single(name => !initializers.Contains(name));
    }

    private static void CopyGraph(GraphProto source, GraphProto target, string prefix, IReadOnlyDictionary<string, string> renames)
    {
        string Rename(string name) => name.Length == 0 ? name : renames.TryGetValue(name, out var renamed) ? renamed : prefix + name;

        foreach (var initializer in source.Initializer)
        {
            var copy = initializer.Clone();
            copy.Name = Rename(initializer.Name);
            target.Initializer.Add(copy);
        }

        foreach (var node in source.Node)
        {
            var copy = node.Clone();
            copy.Name = prefix + (node.HasName && node.Name.Length > 0 ? node.Name : node.Output.FirstOrDefault() ?? node.OpType);
            copy.Input.Clear();
            copy.Input.AddRange(node.Input.Select(Rename));
            copy.Output.Clear();
            copy.Output.AddRange(node.Output.Select(Rename));
            target.Node.Add(copy);
        }

        // The shipped value_info entries pin the batch dimension to 1; they are dropped and ONNX Runtime
        // infers the intermediate shapes from the symbolic input instead.
    }

    private static void AppendHead(GraphProto graph, ClassifierHead head)
    {
        var layers = head.FoldedLayers();
        var current = FeaturesName;
        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            var weightName = $"head/dense{i}/weight";
            var biasName = $"head/dense{i}/bias";
            graph.Initializer.Add(OnnxTensors.Float(weightName, layer.Weights, layer.Outputs, layer.Inputs));
            graph.Initializer.Add(OnnxTensors.Float(biasName, layer.Bias, layer.Outputs));
            var output = i == layers.Count - 1 ? "head/logits" : $"head/dense{i}/output";
            graph.Node.Add(Node("Gemm", $"head/dense{i}", [current, weightName, biasName], [output], IntAttribute("transB", 1)));
            current = output;
            if (i < layers.Count - 1)
            {
                var activated = $"head/dense{i}/relu";
                graph.Node.Add(Node("Relu", activated, [current], [activated]));
                current = activated;
            }
        }

        graph.Node.Add(Node("Softmax", "head/softmax", [current], [ProbabilitiesName], IntAttribute("axis", 1)));
        graph.Output.Insert(0, TensorValue(ProbabilitiesName, BatchDimension, head.ClassCount));
    }

    /// <summary>
    /// A bias-free 1×1 Conv (opset 1) with the folded head weights as [classes, 512, 1, 1] kernels: each output pixel
    /// is the head's weighted sum over the 512 channels at that position.
    /// </summary>
    private static void AppendClassActivationMap(GraphProto graph, string featureMap, ClassifierHead linearHead)
    {
        var layer = linearHead.FoldedLayers()[0];
        const string weightName = "cam/weight";
        graph.Initializer.Add(OnnxTensors.Float(weightName, layer.Weights, layer.Outputs, layer.Inputs, 1, 1));
        graph.Node.Add(Node(
            "Conv",
            "cam/conv",
            [featureMap, weightName],
            [ClassActivationMapName],
            IntsAttribute("kernel_shape", 1, 1),
            IntsAttribute("strides", 1, 1)));
        graph.Output.Add(TensorValue(ClassActivationMapName, BatchDimension, layer.Outputs, MapSize, MapSize));
    }

    private static void AddMetadata(ModelProto model, IReadOnlyDictionary<string, string>? metadata)
    {
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }
    }

    private static ValueInfoProto TensorValue(string name, string batchDimension, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batchDimension });
        foreach (var dim in dims)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = dim });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape },
            },
        };
    }
}
