using AllClassifier.Model.Inference;
using AllClassifier.Training.Heads;
using AllClassifier.Model.Onnx.Proto;
using AllClassifier.Training.Quantization;
using AllClassifier.Training.Referral;
using Google.Protobuf;
using static AllClassifier.Training.Onnx.OnnxNodes;

namespace AllClassifier.Training.Onnx;

/// <summary>
/// Builds the one ONNX file that is served: ResNet preprocessing → ResNet18 → pooled features (<see cref="FeatureLayout"/>)
/// → head → Softmax, with a symbolic batch dimension. Input <see cref="InputName"/> is planar RGB 0..255 [N,3,224,224];
/// outputs are <see cref="ProbabilitiesName"/> [N,classes], <see cref="FeaturesName"/> [N,features] and, when a linear
/// map is available, <see cref="ClassActivationMapName"/> [N,classes,7,7].
/// </summary>
/// <remarks>
/// The class activation map is a 1×1 convolution of ResNet18's last 7×7×512 feature map (the input of its global
/// average pooling) with a linear head's weights, standardization folded in. Because pooling is a mean and the
/// head is linear, the map's spatial mean plus the head's bias is exactly that head's logits: the map shows where
/// the evidence for each class sits, not an approximation of it. With <see cref="FeatureLayout.MultiScale"/> the
/// third-stage terms are computed per 14×14 position (the nuclei-weighted ones scaled by the mask over its mean) and
/// average-pooled 2×2 onto the 7×7 grid, which keeps the same identity.
/// </remarks>
public static class ClassifierModelComposer
{
    public const string InputName = ClassifierModelFile.InputName;
    public const string ProbabilitiesName = ClassifierModelFile.ProbabilitiesName;
    public const string FeaturesName = ClassifierModelFile.FeaturesName;
    public const string ClassActivationMapName = ClassifierModelFile.ClassActivationMapName;
    public const string OodScoreName = ClassifierModelFile.OodScoreName;
    public const int MapSize = ClassifierModelFile.MapSize;
    public const string BatchDimension = "batch";
    private const int ImageSize = 224;
    public const int FeatureCount = FeatureLayouts.LastStageChannels;

    // The nuclei mask of FeatureLayout.MultiScale: saturation (max − min) / max ramps from 0 at MaskSaturationLow to 1
    // at MaskSaturationHigh, on pixels whose green is the weakest channel (the purple of the stained nuclei); every
    // third-stage position keeps MaskFloor, so a field without nuclei pools like the plain mean.
    private const float MaskSaturationLow = 0.25f;
    private const float MaskSaturationHigh = 0.40f;
    private const float MaskFloor = 0.01f;
    private const int ThirdStageSize = 14;

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
        ActivationRanges? int8Backbone = null,
        FeatureLayout layout = FeatureLayout.GlobalPool,
        MahalanobisGate? referralGate = null)
    {
        ValidateHead(head, layout, nameof(head));
        if (referralGate is not null && referralGate.FeatureCount != layout.FeatureCount())
        {
            throw new ArgumentException(
                $"The referral gate takes {referralGate.FeatureCount} features; the backbone gives {layout.FeatureCount()}.",
                nameof(referralGate));
        }

        var camHead = head.Layers.Count == 1 ? head : linearProbe;
        if (camHead is not null)
        {
            ValidateHead(camHead, layout, nameof(linearProbe));
            if (camHead.Layers.Count != 1 || camHead.ClassCount != head.ClassCount)
            {
                throw new ArgumentException($"The linear probe must be one layer with {head.ClassCount} outputs.", nameof(linearProbe));
            }
        }

        var (model, maps) = ComposeBackbone(backbone, int8Backbone, layout);
        AppendHead(model.Graph, head);
        var allMetadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>())
        {
            [FeatureLayouts.MetadataKey] = layout.Name(),
        };
        if (camHead is not null)
        {
            AppendClassActivationMap(model.Graph, maps, camHead, layout);
            allMetadata[ClassActivationMapVariant.MetadataKey] = ReferenceEquals(camHead, head)
                ? ClassActivationMapVariant.Head
                : ClassActivationMapVariant.LinearProbe;
        }

        if (referralGate is not null)
        {
            AppendReferralGate(model.Graph, referralGate);
        }

        AddMetadata(model, allMetadata);
        return model.ToByteArray();
    }

    /// <summary>
    /// The referral gate's nodes alone (input <see cref="FeaturesName"/> [N,features], output <see cref="OodScoreName"/>),
    /// exactly as <see cref="Compose"/> appends them: what the benchmark times to state the gate's cost per request.
    /// </summary>
    public static byte[] ComposeReferralGate(MahalanobisGate gate)
    {
        var graph = new GraphProto { Name = "referral_gate" };
        graph.Input.Add(TensorValue(FeaturesName, BatchDimension, gate.FeatureCount));
        AppendReferralGate(graph, gate);
        var model = new ModelProto { IrVersion = IrVersion, ProducerName = "AllClassifier", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion });
        return model.ToByteArray();
    }

    /// <summary>
    /// The referral gate's score as output <see cref="OodScoreName"/> [N,1]: y = W(x − centre), then
    /// min over classes of ‖y − m_c‖² expanded as ‖y‖² − 2 y·m_c + ‖m_c‖², so it needs only Gemm, Mul, Add and
    /// ReduceMin, which mean the same at opset 8 (fp32) and 13 (INT8). Centring first keeps ‖y‖ near the distances it
    /// is compared with, so the expansion loses nothing in float.
    /// </summary>
    private static void AppendReferralGate(GraphProto graph, MahalanobisGate gate)
    {
        var (dimension, classes) = (gate.FeatureCount, gate.ClassCount);
        var bias = new float[dimension];
        for (var row = 0; row < dimension; row++)
        {
            bias[row] = -System.Numerics.Tensors.TensorPrimitives.Dot(gate.Whitening.AsSpan(row * dimension, dimension), gate.Center);
        }

        var crossWeights = new float[classes * dimension];
        System.Numerics.Tensors.TensorPrimitives.Multiply(gate.ClassCentres, -2f, crossWeights);
        var centreNorms = new float[classes];
        for (var c = 0; c < classes; c++)
        {
            var centre = gate.ClassCentres.AsSpan(c * dimension, dimension);
            centreNorms[c] = System.Numerics.Tensors.TensorPrimitives.Dot(centre, centre);
        }

        var ones = new float[dimension];
        Array.Fill(ones, 1f);
        graph.Initializer.Add(OnnxTensors.Float("referral/whitening", gate.Whitening, dimension, dimension));
        graph.Initializer.Add(OnnxTensors.Float("referral/whitening_bias", bias, dimension));
        graph.Initializer.Add(OnnxTensors.Float("referral/cross_weights", crossWeights, classes, dimension));
        graph.Initializer.Add(OnnxTensors.Float("referral/centre_norms", centreNorms, classes));
        graph.Initializer.Add(OnnxTensors.Float("referral/ones", ones, 1, dimension));
        graph.Initializer.Add(OnnxTensors.Float("referral/zero", [0f], 1));
        graph.Node.Add(Node("Gemm", "referral/whiten", [FeaturesName, "referral/whitening", "referral/whitening_bias"], ["referral/whitened"], IntAttribute("transB", 1)));
        graph.Node.Add(Node("Mul", "referral/squares", ["referral/whitened", "referral/whitened"], ["referral/squares"]));
        graph.Node.Add(Node("Gemm", "referral/norm", ["referral/squares", "referral/ones", "referral/zero"], ["referral/norm"], IntAttribute("transB", 1)));
        graph.Node.Add(Node("Gemm", "referral/cross", ["referral/whitened", "referral/cross_weights", "referral/centre_norms"], ["referral/cross"], IntAttribute("transB", 1)));
        graph.Node.Add(Node("Add", "referral/distances", ["referral/norm", "referral/cross"], ["referral/distances"]));
        graph.Node.Add(Node("ReduceMin", "referral/min", ["referral/distances"], [OodScoreName], IntsAttribute("axes", 1), IntAttribute("keepdims", 1)));
        graph.Output.Add(TensorValue(OodScoreName, BatchDimension, 1));
    }

    /// <summary>
    /// The backbone alone (output <see cref="FeaturesName"/> in <paramref name="layout"/>), used to compute training
    /// features: fp32, or INT8 with <paramref name="int8Backbone"/>'s calibrated activation ranges.
    /// </summary>
    public static byte[] ComposeFeatureExtractor(BackboneFiles backbone, ActivationRanges? int8Backbone = null, FeatureLayout layout = FeatureLayout.GlobalPool) =>
        ComposeBackbone(backbone, int8Backbone, layout).Model.ToByteArray();

    /// <summary>The fp32 backbone with BatchNorm and the channel reorder folded, at opset 13: what INT8 calibration runs.</summary>
    internal static ModelProto ComposePreparedBackbone(BackboneFiles backbone)
    {
        var model = ComposeBackbone(backbone, null, FeatureLayout.GlobalPool).Model;
        BackbonePreparation.Prepare(model);
        return model;
    }

    private static void ValidateHead(ClassifierHead head, FeatureLayout layout, string parameterName)
    {
        head.Validate();
        if (head.FeatureCount != layout.FeatureCount())
        {
            throw new ArgumentException(
                $"The head takes {head.FeatureCount} features; the backbone gives {layout.FeatureCount()} ({layout.Name()}).",
                parameterName);
        }
    }

    /// <summary>The feature maps the pooled features and the class activation map are computed from.</summary>
    /// <param name="LastStage">ResNet18's last 7×7×512 feature map, the input of its global pooling.</param>
    /// <param name="ThirdStage">The 14×14×256 output of the third stage (the last stage's input).</param>
    /// <param name="NucleiWeights">[N,1,14,14] nuclei-mask weights over their mean (<see cref="FeatureLayout.MultiScale"/> only).</param>
    private sealed record BackboneMaps(string LastStage, string ThirdStage, string? NucleiWeights);

    private static (ModelProto Model, BackboneMaps Maps) ComposeBackbone(BackboneFiles backbone, ActivationRanges? int8Backbone, FeatureLayout layout)
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
        var lastStage = "resnet18/" + pooling.Input[0];
        // Found before quantisation rewires the convolutions' inputs; the tensor itself keeps its name.
        var thirdStage = LastStageInput(graph);
        var pooled = layout == FeatureLayout.GlobalPool ? FeaturesName : "features/last_stage";
        graph.Node.Add(Node("Flatten", "features/flatten", ["resnet18/" + resnetOutput], [pooled], IntAttribute("axis", 1)));
        graph.Input.Add(TensorValue(InputName, BatchDimension, 3, 224, 224));
        graph.Output.Add(TensorValue(FeaturesName, BatchDimension, layout.FeatureCount()));

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

        // Added after quantisation: these nodes stay fp32, and preparation and quantisation expect the plain backbone.
        var nucleiWeights = layout == FeatureLayout.MultiScale ? AppendMultiScaleFeatures(graph, pooled, thirdStage) : null;
        return (model, new BackboneMaps(lastStage, thirdStage, nucleiWeights));
    }

    /// <summary>
    /// The input of the last stage: the last residual block output (a Relu after an Add) that feeds a convolution
    /// widening the channels, i.e. the third stage's output.
    /// </summary>
    private static string LastStageInput(GraphProto graph)
    {
        var producers = graph.Node.SelectMany(node => node.Output.Select(output => (output, node)))
            .ToDictionary(pair => pair.output, pair => pair.node, StringComparer.Ordinal);
        var weights = graph.Initializer.ToDictionary(tensor => tensor.Name, StringComparer.Ordinal);
        bool Widens(NodeProto conv) => weights.TryGetValue(conv.Input[1], out var w) && w.Dims.Count == 4 && w.Dims[0] > w.Dims[1];
        return graph.Node
            .Where(node => node.OpType == "Relu" && producers.TryGetValue(node.Input[0], out var add) && add.OpType == "Add")
            .Select(node => node.Output[0])
            .Last(output => graph.Node.Any(conv => conv.OpType == "Conv" && conv.Input[0] == output && Widens(conv)));
    }

    /// <summary>
    /// <see cref="FeatureLayout.MultiScale"/>: the stain mask of the nuclei from the input image, its 16×16-pixel cell
    /// means as weights on the 14×14 third stage, and features = [last stage mean, third stage mean, third stage
    /// nuclei-weighted mean]. Returns the weights over their mean (what the class activation map needs).
    /// </summary>
    private static string AppendMultiScaleFeatures(GraphProto graph, string lastStageFeatures, string thirdStage)
    {
        // Only ops whose meaning is the same at opset 8 (fp32 model) and 13 (INT8 model); Clip is not, so clamping to
        // [0, 1] is Relu(x) − Relu(x − 1).
        void Add(string op, string name, string[] inputs, params AttributeProto[] attributes) =>
            graph.Node.Add(Node(op, "nuclei/" + name, inputs, ["nuclei/" + name], attributes));
        string Constant(string name, float value)
        {
            graph.Initializer.Add(OnnxTensors.Float("nuclei/" + name, [value]));
            return "nuclei/" + name;
        }

        void ClampToUnit(string name, string input)
        {
            Add("Relu", name + "/low", [input]);
            Add("Sub", name + "/shifted", [input, Constant(name + "/one", 1f)]);
            Add("Relu", name + "/high", ["nuclei/" + name + "/shifted"]);
            Add("Sub", name, ["nuclei/" + name + "/low", "nuclei/" + name + "/high"]);
        }

        foreach (var (channel, index) in new[] { ("red", 0L), ("green", 1L), ("blue", 2L) })
        {
            graph.Initializer.Add(OnnxTensors.Int64($"nuclei/{channel}/index", [index], 1));
            Add("Gather", channel, [InputName, $"nuclei/{channel}/index"], IntAttribute("axis", 1));
        }

        Add("Max", "max", ["nuclei/red", "nuclei/green", "nuclei/blue"]);
        Add("Min", "min", ["nuclei/red", "nuclei/green", "nuclei/blue"]);
        Add("Sub", "chroma", ["nuclei/max", "nuclei/min"]);
        Add("Add", "max_nonzero", ["nuclei/max", Constant("epsilon", 1e-3f)]);
        Add("Div", "saturation", ["nuclei/chroma", "nuclei/max_nonzero"]);
        Add("Sub", "saturation_above", ["nuclei/saturation", Constant("saturation_low", MaskSaturationLow)]);
        Add("Mul", "saturation_ramp", ["nuclei/saturation_above", Constant("saturation_slope", 1f / (MaskSaturationHigh - MaskSaturationLow))]);
        ClampToUnit("saturated", "nuclei/saturation_ramp");
        // Pixel values are whole numbers, so min(red, blue) − green + 1 clamped to [0, 1] is exactly "green is weakest".
        Add("Min", "red_blue_min", ["nuclei/red", "nuclei/blue"]);
        Add("Sub", "green_margin", ["nuclei/red_blue_min", "nuclei/green"]);
        Add("Add", "green_margin_step", ["nuclei/green_margin", Constant("one", 1f)]);
        ClampToUnit("purple", "nuclei/green_margin_step");
        Add("Mul", "mask", ["nuclei/saturated", "nuclei/purple"]);
        var cell = ImageSize / ThirdStageSize;
        Add("AveragePool", "cells", ["nuclei/mask"], IntsAttribute("kernel_shape", cell, cell), IntsAttribute("strides", cell, cell));
        Add("Add", "weights", ["nuclei/cells", Constant("floor", MaskFloor)]);
        Add("GlobalAveragePool", "weights_mean", ["nuclei/weights"]);
        Add("Div", "relative_weights", ["nuclei/weights", "nuclei/weights_mean"]);

        Add("Mul", "weighted", [thirdStage, "nuclei/relative_weights"]);
        Add("GlobalAveragePool", "nuclei_pooled", ["nuclei/weighted"]);
        Add("Flatten", "nuclei_features", ["nuclei/nuclei_pooled"], IntAttribute("axis", 1));
        Add("GlobalAveragePool", "third_stage_pooled", [thirdStage]);
        Add("Flatten", "third_stage_features", ["nuclei/third_stage_pooled"], IntAttribute("axis", 1));
        graph.Node.Add(Node(
            "Concat",
            "features/concat",
            [lastStageFeatures, "nuclei/third_stage_features", "nuclei/nuclei_features"],
            [FeaturesName],
            IntAttribute("axis", 1)));
        return "nuclei/relative_weights";
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
    /// is the head's weighted sum over the 512 channels at that position. With <see cref="FeatureLayout.MultiScale"/>,
    /// the third-stage weights act on the 14×14 map the same way (the nuclei ones scaled by the relative mask weights)
    /// and a 2×2 average pooling brings their sum onto the 7×7 grid.
    /// </summary>
    private static void AppendClassActivationMap(GraphProto graph, BackboneMaps maps, ClassifierHead linearHead, FeatureLayout layout)
    {
        var layer = linearHead.FoldedLayers()[0];
        var lastStageOutput = layout == FeatureLayout.GlobalPool ? ClassActivationMapName : "cam/last_stage";
        AppendPositionalLogits(graph, "cam/last_stage", maps.LastStage, Columns(layer, 0, FeatureLayouts.LastStageChannels), layer.Outputs, lastStageOutput);
        if (layout == FeatureLayout.MultiScale)
        {
            const int third = FeatureLayouts.ThirdStageChannels;
            AppendPositionalLogits(graph, "cam/third_stage", maps.ThirdStage, Columns(layer, FeatureLayouts.LastStageChannels, third), layer.Outputs, "cam/third_stage");
            AppendPositionalLogits(graph, "cam/nuclei", maps.ThirdStage, Columns(layer, FeatureLayouts.LastStageChannels + third, third), layer.Outputs, "cam/nuclei");
            graph.Node.Add(Node("Mul", "cam/nuclei_weighted", ["cam/nuclei", maps.NucleiWeights!], ["cam/nuclei_weighted"]));
            graph.Node.Add(Node("Add", "cam/third_stage_sum", ["cam/third_stage", "cam/nuclei_weighted"], ["cam/third_stage_sum"]));
            var pool = ThirdStageSize / MapSize;
            graph.Node.Add(Node(
                "AveragePool",
                "cam/third_stage_pooled",
                ["cam/third_stage_sum"],
                ["cam/third_stage_pooled"],
                IntsAttribute("kernel_shape", pool, pool),
                IntsAttribute("strides", pool, pool)));
            graph.Node.Add(Node("Add", "cam/sum", [lastStageOutput, "cam/third_stage_pooled"], [ClassActivationMapName]));
        }

        graph.Output.Add(TensorValue(ClassActivationMapName, BatchDimension, layer.Outputs, MapSize, MapSize));
    }

    private static void AppendPositionalLogits(GraphProto graph, string name, string featureMap, float[] weights, int classes, string output)
    {
        var weightName = name + "/weight";
        graph.Initializer.Add(OnnxTensors.Float(weightName, weights, classes, weights.Length / classes, 1, 1));
        graph.Node.Add(Node(
            "Conv",
            name + "/conv",
            [featureMap, weightName],
            [output],
            IntsAttribute("kernel_shape", 1, 1),
            IntsAttribute("strides", 1, 1)));
    }

    /// <summary>Columns [start, start + count) of a layer's [outputs, inputs] weights.</summary>
    private static float[] Columns(DenseLayer layer, int start, int count)
    {
        var columns = new float[layer.Outputs * count];
        for (var row = 0; row < layer.Outputs; row++)
        {
            Array.Copy(layer.Weights, (row * layer.Inputs) + start, columns, row * count, count);
        }

        return columns;
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
