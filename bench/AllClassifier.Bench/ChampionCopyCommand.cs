using System.ComponentModel;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Onnx.Proto;
using AllClassifier.Model.Referral;
using AllClassifier.Model.Registry;
using Google.Protobuf;
using Spectre.Console.Cli;

namespace AllClassifier.Bench;

/// <summary>
/// Registers the champion of one registry in a new one, signed with the bench's key for it
/// (<see cref="BenchModels.SigningKey"/>), so the API the bench starts serves a trained model whatever key, if any, it
/// was signed with. With <c>--without-gate</c> the copy has no referral gate: the same model file less the
/// <c>ood_score</c> output and the nodes only it needs, and a card whose gate is absent; serving both side by side
/// measures what the gate adds to a request over HTTP (bench/referral-latency.sh).
/// </summary>
public sealed class ChampionCopyCommand : Command<ChampionCopyCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--registry <DIR>")]
        [Description("The registry whose champion is copied.")]
        public required string Registry { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("A new registry for the copy.")]
        public required string Out { get; init; }

        [CommandOption("--without-gate")]
        [Description("Take the referral gate out of the copy.")]
        public bool WithoutGate { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var champion = new LocalModelRegistry(settings.Registry).Champion()
            ?? throw new InvalidOperationException($"{settings.Registry} has no champion.");
        var model = champion.ReadVerifiedModel();
        var card = champion.Card;
        if (settings.WithoutGate)
        {
            var outputs = ServingGraph.Outputs(model);
            if (!outputs.Contains(ClassifierModelFile.OodScoreName))
            {
                throw new InvalidOperationException($"v{champion.Version} has no {ClassifierModelFile.OodScoreName} output: it has no gate to take out.");
            }

            model = Ungated(model, [.. outputs.Where(o => o != ClassifierModelFile.OodScoreName)]);
            card = card with { ReferralGate = ReferralGate.Absent($"v{champion.Version} with its gate taken out for a benchmark") };
        }

        var registry = new LocalModelRegistry(settings.Out);
        using var key = BenchModels.SigningKey(settings.Out);
        var version = registry.Register(
            model,
            _ => card,
            File.Exists(champion.ConfusionMatrixPath) ? File.ReadAllBytes(champion.ConfusionMatrixPath) : null,
            seal: folder => ModelSignature.Sign(folder, key));
        registry.SetAlias(version.Version);
        Console.WriteLine(
            $"v{champion.Version} of {settings.Registry}{(settings.WithoutGate ? " without its gate" : "")} is v{version.Version} " +
            $"of {settings.Out} ({model.Length:N0} bytes), signed with {settings.Out}.key");
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
