using System.ComponentModel;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Onnx.Proto;
using AllClassifier.Model.Referral;
using AllClassifier.Model.Registry;
using Google.Protobuf;
using Spectre.Console.Cli;

namespace AllClassifier.Bench;

/// <summary>
/// Registers, in a new registry, the champion of another one without its referral gate: the same model file less the
/// <c>ood_score</c> output and the nodes only it needs, and a card whose gate is absent. Serving both side by side
/// measures what the gate adds to a request over HTTP (bench/referral-latency.sh).
/// </summary>
public sealed class UngatedCommand : Command<UngatedCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--registry <DIR>")]
        [Description("The registry whose champion is copied.")]
        public required string Registry { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("A new registry for the copy without a gate.")]
        public required string Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var champion = new LocalModelRegistry(settings.Registry).Champion()
            ?? throw new InvalidOperationException($"{settings.Registry} has no champion.");
        var model = champion.ReadVerifiedModel();
        var outputs = ServingGraph.Outputs(model);
        if (!outputs.Contains(ClassifierModelFile.OodScoreName))
        {
            throw new InvalidOperationException($"v{champion.Version} has no {ClassifierModelFile.OodScoreName} output: it has no gate to take out.");
        }

        var ungated = Ungated(model, [.. outputs.Where(o => o != ClassifierModelFile.OodScoreName)]);
        var registry = new LocalModelRegistry(settings.Out);
        var version = registry.Register(
            ungated,
            _ => champion.Card with { ReferralGate = ReferralGate.Absent($"v{champion.Version} with its gate taken out for a benchmark") });
        registry.SetAlias(version.Version);
        Console.WriteLine(
            $"v{champion.Version} of {settings.Registry} without its gate is v{version.Version} of {settings.Out} " +
            $"({model.Length:N0} -> {ungated.Length:N0} bytes)");
        return 0;
    }

    /// <summary>
    /// <see cref="ServingGraph.Prepare"/> keeping the graph's own first-convolution form, with the initializers of the
    /// other form put back: pruning drops them as unused, and the API needs them to choose a form for its CPU.
    /// </summary>
    private static byte[] Ungated(byte[] model, IReadOnlyCollection<string> outputs)
    {
        var original = ModelProto.Parser.ParseFrom(model);
        var pruned = ModelProto.Parser.ParseFrom(ServingGraph.Prepare(model, null, outputs));
        var kept = pruned.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        pruned.Graph.Initializer.Add(original.Graph.Initializer.Where(
            i => i.Name.EndsWith(ServingGraph.Int8Suffix, StringComparison.Ordinal) && !kept.Contains(i.Name)));
        return pruned.ToByteArray();
    }
}
