using System.ComponentModel;
using System.Globalization;
using AllClassifier.Api.Serving;
using AllClassifier.Model.Registry;
using Microsoft.Extensions.Options;
using Spectre.Console.Cli;

namespace AllClassifier.Bench;

/// <summary>
/// What a model swap costs in resident memory, without traffic or page-cache noise from a server: the champion loaded
/// and swapped in again and again by the API's own loader and holder, with the resident set before and after each load
/// and swap and its peak in between (VmHWM, reset before each step through <c>/proc/self/clear_refs</c>). Both ways the
/// loader works: all sessions and then the swap (start, tests), and the two-step swap the API's watcher uses.
/// </summary>
public sealed class SwapMemoryCommand : Command<SwapMemoryCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--registry <DIR>")]
        public required string Registry { get; init; }

        [CommandOption("--loads <N>")]
        [DefaultValue(3)]
        public int Loads { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var champion = new LocalModelRegistry(settings.Registry).Champion() ?? throw new InvalidOperationException("The registry has no champion.");
        using var signatures = BenchModels.Verifier(settings.Registry);
        var loader = new ModelLoader(Options.Create(new ModelServingOptions()), signatures);
        using var holder = new ModelHolder();
        holder.Swap(loader.Load(champion));
        foreach (var twoStep in new[] { false, true })
        {
            for (var i = 0; i < settings.Loads; i++)
            {
                ResetPeak();
                var before = Resident();
                var model = twoStep ? loader.Load(champion, holder.Swap) : loader.Load(champion);
                var loaded = Resident();
                var loadPeak = Peak();
                holder.Swap(model);
                var after = Resident();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(twoStep ? "two-step (watcher)" : "all sessions, then swap")}: RSS {before} MiB before, {loaded} after the load, peak {loadPeak} (+{loadPeak - before}), {after} after the swap (+{after - before})"));
            }
        }

        return 0;
    }

    private static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    private static long Resident() => StatusMiB("VmRSS:");

    private static long Peak() => StatusMiB("VmHWM:");

    private static long StatusMiB(string key) =>
        long.Parse(
            File.ReadLines("/proc/self/status").First(l => l.StartsWith(key, StringComparison.Ordinal))[key.Length..].Trim().Split(' ')[0],
            CultureInfo.InvariantCulture) / 1024;
}
