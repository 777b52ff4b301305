using AllClassifier.Model.Onnx.Proto;
using Google.Protobuf;

namespace AllClassifier.Model.Inference;

/// <summary>The forms of an INT8 model's first convolution kernels (see <see cref="ServingGraph"/>).</summary>
public static class FirstConvolutionForm
{
    /// <summary>
    /// Asymmetric uint8 kernels: exact on every x86 CPU. Without VNNI, ONNX Runtime multiplies u8 × s8 pairs into
    /// saturating int16 sums, which the first convolution's 0..255-scale inputs overflow; u8 × u8 is widened instead.
    /// </summary>
    public const string Uint8 = "uint8";

    /// <summary>Symmetric int8 kernels: the fast form where VNNI or AMX accumulate u8 × s8 straight into int32.</summary>
    public const string Int8 = "int8";

    /// <summary>The form for a CPU, and why, in words for the log and /model.</summary>
    public static (string Form, string Reason) For(CpuFeatures cpu, IReadOnlyCollection<string> available)
    {
        if (!available.Contains(Int8))
        {
            return (available.Contains(Uint8) ? Uint8 : "none",
                available.Contains(Uint8) ? "the model carries only the uint8 form" : "the model has no INT8 first convolution");
        }

        if (cpu.HasVnni)
        {
            return (Int8, $"the CPU has VNNI ({cpu}): u8 x s8 products accumulate into int32 without saturating");
        }

        return available.Contains(Uint8)
            ? (Uint8, $"the CPU has no VNNI ({cpu}): u8 x s8 pairs would saturate int16 on the first convolution")
            : (Int8, "the model carries only the int8 form");
    }
}

/// <summary>
/// Turns a registered model file into the graph a session runs: the first convolution in the form chosen for the CPU,
/// and only the outputs asked for, so ONNX Runtime (which runs every node of a graph whatever a run fetches) does not
/// compute the class activation map for plain predictions.
/// </summary>
/// <remarks>
/// An INT8 model may carry its first convolution's kernels in both forms: the graph reads the uint8 ones, and for every
/// initializer <c>N</c> of that form an initializer <c>N#int8</c> holds the int8 form's replacement (kernels, scales,
/// zero points and the bias requantised at the new kernel scales). Metadata <see cref="FormsKey"/> lists the forms.
/// </remarks>
public static class ServingGraph
{
    /// <summary>Model metadata: the first convolution's forms in the file, space separated, the graph's own first.</summary>
    public const string FormsKey = "first_conv_forms";

    /// <summary>Suffix of an initializer that replaces the one named without it in the int8 form.</summary>
    public const string Int8Suffix = "#int8";

    /// <summary>The first convolution's forms the model file carries; none for fp32 or models made before forms.</summary>
    public static IReadOnlyList<string> Forms(byte[] model) => Forms(ModelProto.Parser.ParseFrom(model));

    /// <summary>The graph outputs' names.</summary>
    public static IReadOnlyList<string> Outputs(byte[] model) => [.. ModelProto.Parser.ParseFrom(model).Graph.Output.Select(o => o.Name)];

    /// <summary>
    /// The graph a server runs, from one parse of the file: the first convolution in the form <paramref name="chooseForm"/>
    /// picks from the forms the file carries (null: as the graph has it), every output kept, and the nodes and
    /// initializers no output needs dropped. <see cref="Forms(byte[])"/>, <see cref="Outputs"/> and <see cref="Prepare"/>
    /// each parse the file again; a server preparing its graphs with them would hold several copies of the weights on
    /// the managed heap at once, beside the sessions being built. The graph without an output is
    /// <see cref="Prepare"/> of this one with form null.
    /// </summary>
    public static ServingGraphs PrepareForServing(byte[] model, Func<IReadOnlyList<string>, string?> chooseForm)
    {
        var proto = ModelProto.Parser.ParseFrom(model);
        var forms = Forms(proto);
        var form = chooseForm(forms);
        if (form is not null && !forms.Contains(form))
        {
            throw new InvalidDataException($"The model carries no {form} form of its first convolution.");
        }

        if (form == FirstConvolutionForm.Int8)
        {
            UseInt8Form(proto.Graph);
        }

        RemoveUnused(proto.Graph);
        return new ServingGraphs(forms, form, [.. proto.Graph.Output.Select(o => o.Name)], proto.ToByteArray());
    }

    private static IReadOnlyList<string> Forms(ModelProto model) =>
        model.MetadataProps.FirstOrDefault(p => p.Key == FormsKey)?.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];

    /// <summary>
    /// The model with the first convolution in <paramref name="form"/> (null: as the graph has it) and only the
    /// graph outputs in <paramref name="outputs"/> (null: all), every node and initializer nothing needs removed.
    /// </summary>
    public static byte[] Prepare(byte[] model, string? form, IReadOnlyCollection<string>? outputs)
    {
        var proto = ModelProto.Parser.ParseFrom(model);
        var graph = proto.Graph;
        if (form is not null && !Forms(proto).Contains(form))
        {
            throw new InvalidDataException($"The model carries no {form} form of its first convolution.");
        }

        if (form == FirstConvolutionForm.Int8)
        {
            UseInt8Form(graph);
        }

        if (outputs is not null)
        {
            var missing = outputs.Where(name => graph.Output.All(o => o.Name != name)).ToList();
            if (missing.Count > 0)
            {
                throw new InvalidDataException($"The model has no output '{string.Join("', '", missing)}'.");
            }

            foreach (var output in graph.Output.Where(o => !outputs.Contains(o.Name)).ToList())
            {
                graph.Output.Remove(output);
            }
        }

        RemoveUnused(graph);
        return proto.ToByteArray();
    }

    private static void UseInt8Form(GraphProto graph)
    {
        var replacements = graph.Initializer
            .Where(i => i.Name.EndsWith(Int8Suffix, StringComparison.Ordinal))
            .ToDictionary(i => i.Name[..^Int8Suffix.Length], i => i.Name, StringComparer.Ordinal);
        if (replacements.Count == 0)
        {
            throw new InvalidDataException("The model carries no int8 form of its first convolution.");
        }

        foreach (var node in graph.Node)
        {
            for (var k = 0; k < node.Input.Count; k++)
            {
                if (replacements.TryGetValue(node.Input[k], out var replacement))
                {
                    node.Input[k] = replacement;
                }
            }
        }
    }

    /// <summary>Keeps the nodes the graph outputs depend on and the initializers those nodes read.</summary>
    private static void RemoveUnused(GraphProto graph)
    {
        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var output in node.Output)
            {
                producers[output] = node;
            }
        }

        var needed = new HashSet<string>(StringComparer.Ordinal);
        var keptNodes = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(graph.Output.Select(o => o.Name));
        while (pending.TryPop(out var tensor))
        {
            if (!needed.Add(tensor) || !producers.TryGetValue(tensor, out var producer))
            {
                continue;
            }

            // Keyed by the first output (unique; names may be empty): protobuf messages compare by content.
            if (keptNodes.Add(producer.Output[0]))
            {
                foreach (var input in producer.Input.Where(i => i.Length > 0))
                {
                    pending.Push(input);
                }
            }
        }

        foreach (var node in graph.Node.Where(n => n.Output.Count == 0 || !keptNodes.Contains(n.Output[0])).ToList())
        {
            graph.Node.Remove(node);
        }

        foreach (var initializer in graph.Initializer.Where(i => !needed.Contains(i.Name)).ToList())
        {
            graph.Initializer.Remove(initializer);
        }

        foreach (var info in graph.ValueInfo.Where(v => !needed.Contains(v.Name)).ToList())
        {
            graph.ValueInfo.Remove(info);
        }
    }
}

/// <summary>What <see cref="ServingGraph.PrepareForServing"/> made of a model file.</summary>
/// <param name="Forms">The first convolution's forms the file carries.</param>
/// <param name="Form">The form the graph uses; null when it was kept as it is.</param>
/// <param name="Outputs">The graph's outputs (all of the file's).</param>
/// <param name="Graph">The serialized graph.</param>
public sealed record ServingGraphs(IReadOnlyList<string> Forms, string? Form, IReadOnlyList<string> Outputs, byte[] Graph);
