using System.ComponentModel;
using System.Globalization;
using AllClassifier.Model.Registry;
using AllClassifier.Trainer.Worker;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AllClassifier.Trainer.Commands;

public class RegistrySettings : CommandSettings
{
    [CommandOption("--registry <DIR>")]
    [Description("Model registry root. Default: Trainer:RegistryDirectory ($MODEL_REGISTRY_DIR), else /app/registry.")]
    public string? RegistryDirectory { get; init; }

    public LocalModelRegistry OpenRegistry(WorkerOptions shared) => new(RegistryDirectory ?? shared.RegistryDirectory);
}

public sealed class PromoteSettings : RegistrySettings
{
    [CommandArgument(0, "<version>")]
    [Description("The registered version to make champion.")]
    public int Version { get; init; }
}

/// <summary>
/// <c>models list</c>: every registered version with a readable card, with its metrics; the champion is marked, and
/// a champion alias that names an unusable version is called out.
/// </summary>
public sealed class ModelsListCommand(IAnsiConsole console, IOptions<WorkerOptions> shared) : Command<RegistrySettings>
{
    public override int Execute(CommandContext context, RegistrySettings settings, CancellationToken cancellationToken)
    {
        var registry = settings.OpenRegistry(shared.Value);
        if (registry.CheckChampion().Problem is { } problem)
        {
            console.MarkupLineInterpolated($"[yellow]The champion is unusable: {problem}[/]");
        }

        var versions = registry.List();
        if (versions.Count == 0)
        {
            console.WriteLine($"No models registered in {registry.Root}.");
            return 0;
        }

        var champion = registry.ResolveAlias();
        var table = new Table().AddColumns("version", "alias", "run_id", "created", "head", "accuracy", "macro-F1", "test images", "test split", "parent", "feedback up to");
        foreach (var version in versions)
        {
            var card = version.Card;
            table.AddRow(
                version.Version.ToString(CultureInfo.InvariantCulture),
                version.Version == champion ? "[green]champion[/]" : "",
                Markup.Escape(card.RunId),
                card.Created.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                Markup.Escape(card.Head),
                card.Metrics.Accuracy.ToString("F4", CultureInfo.InvariantCulture),
                card.Metrics.MacroF1.ToString("F4", CultureInfo.InvariantCulture),
                card.Metrics.TestCount.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(card.TestSplitHash?[..12] ?? "-"),
                card.ParentVersion?.ToString(CultureInfo.InvariantCulture) ?? "-",
                card.FeedbackHighWaterMark.ToString(CultureInfo.InvariantCulture));
        }

        console.Write(table);
        return 0;
    }
}

/// <summary><c>models promote &lt;version&gt;</c>: points the champion alias at a version by hand.</summary>
public sealed class ModelsPromoteCommand(IAnsiConsole console, IOptions<WorkerOptions> shared) : Command<PromoteSettings>
{
    public override int Execute(CommandContext context, PromoteSettings settings, CancellationToken cancellationToken)
    {
        var registry = settings.OpenRegistry(shared.Value);
        var previous = registry.WithLock(() =>
        {
            var current = registry.ResolveAlias();
            registry.SetAlias(settings.Version);
            return current;
        });
        console.WriteLine($"Version {settings.Version} is now champion (was {previous?.ToString(CultureInfo.InvariantCulture) ?? "none"}).");
        return 0;
    }
}
