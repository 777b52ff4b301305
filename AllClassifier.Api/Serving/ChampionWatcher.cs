using AllClassifier.Model.Registry;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Serving;

/// <summary>
/// Polls the registry's champion alias and hot-swaps the served model when it moves. Polling (not a file
/// watcher) because the registry may live on a volume where change notifications never arrive. A champion that
/// cannot be served — a dangling alias, an unreadable card, an empty model file, bytes that differ from the card's
/// SHA-256, a missing or untrusted signature, a file the signature does not vouch for, a model that fails to load or
/// to pass the probe — is refused, the current model keeps serving, and
/// the problem is reported on /health until the alias names a good version. <see cref="ReloadNow"/> checks at once
/// (the admin reload), and gives refused versions another chance.
/// </summary>
internal sealed partial class ChampionWatcher(
    ModelHolder holder,
    ModelLoader loader,
    IOptions<ModelServingOptions> options,
    TimeProvider timeProvider,
    ILogger<ChampionWatcher> logger) : BackgroundService
{
    // A refusal holds until the version's files change (a signature written after its card, a mended file) or an
    // admin reloads.
    private readonly Dictionary<int, (string Files, string Reason)> _refused = [];

    // The poll and an admin reload may check at the same moment.
    private readonly Lock _checking = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var registry = new LocalModelRegistry(options.Value.RegistryDirectory);
        LogWatching(logger, registry.Root, options.Value.PollInterval);
        using var timer = new PeriodicTimer(options.Value.PollInterval, timeProvider);
        do
        {
            try
            {
                CheckChampion(registry);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // An unreadable registry folder (permissions, a vanished volume) may come back; report and poll on.
                holder.ReportChampionProblem($"the model registry cannot be read: {ex.Message}");
                LogRegistryUnreadable(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Reads the registry now, retrying versions refused before (their files may have been mended).</summary>
    public void ReloadNow()
    {
        var registry = new LocalModelRegistry(options.Value.RegistryDirectory);
        lock (_checking)
        {
            _refused.Clear();
            CheckChampion(registry);
        }

        LogReloaded(logger, CurrentVersion());
    }

    internal void CheckChampion(LocalModelRegistry registry)
    {
        lock (_checking)
        {
            CheckChampionUnlocked(registry);
        }
    }

    private void CheckChampionUnlocked(LocalModelRegistry registry)
    {
        var check = registry.CheckChampion();
        if (check.Champion is not { } registered)
        {
            if (check.Problem is { } problem && problem != holder.ChampionProblem)
            {
                LogUnusableChampion(logger, problem, CurrentVersion());
            }

            holder.ReportChampionProblem(check.Problem);
            return;
        }

        var version = registered.Version;
        if (version == holder.Current?.Version)
        {
            holder.ReportChampionProblem(null);
            return;
        }

        var files = FilesOf(registered.Directory);
        if (_refused.TryGetValue(version, out var refusal) && refusal.Files == files)
        {
            holder.ReportChampionProblem(refusal.Reason);
            return;
        }

        var previous = CurrentVersion();
        ServedModel model;
        ServedModel? interim = null;
        try
        {
            // With a model to replace, the new version is served on its explaining session (the interim model) while
            // its prediction sessions load, so the old model's sessions go first and a swap holds one model's worth
            // of sessions plus one, not two models'. At start there is nothing to let go, and readiness waits for all.
            model = loader.Load(registered, holder.Current is null ? null : served =>
            {
                interim = served;
                holder.Swap(served);
                LogServing(logger, version, previous);
            });
        }
        catch (Exception ex)
        {
            var reason = $"version {version} was refused: {ex.Message}";
            _refused[version] = (files, reason);
            holder.ReportChampionProblem(reason);
            LogRefused(logger, ex, version, CurrentVersion());
            return;
        }

        holder.Swap(model);
        holder.ReportChampionProblem(null);
        if (interim is null)
        {
            LogServing(logger, version, previous);
        }
        else if (ReferenceEquals(model, interim))
        {
            LogInterimOnly(logger, version);
        }

        LogVariant(logger, version, model.Variant.FirstConvolutionForm, model.Variant.Reason, string.Join(' ', model.Variant.CpuFeatures), model.Variant.WarmupInferences);
    }

    /// <summary>Names, sizes and modification times of a version's files: cheap enough to read on every poll.</summary>
    private static string FilesOf(string directory)
    {
        try
        {
            return string.Join('|', new DirectoryInfo(directory).EnumerateFiles()
                .OrderBy(file => file.Name, StringComparer.Ordinal)
                .Select(file => $"{file.Name}:{file.Length}:{file.LastWriteTimeUtc.Ticks}"));
        }
        catch (IOException)
        {
            return "";
        }
    }

    private string CurrentVersion() => holder.Current?.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";

    [LoggerMessage(Level = LogLevel.Information, Message = "Watching the champion of the model registry at {Root} every {Interval}")]
    private static partial void LogWatching(ILogger logger, string root, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reloaded the registry on request; serving {Current}")]
    private static partial void LogReloaded(ILogger logger, string current);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving model version {Version} (previously {Previous})")]
    private static partial void LogServing(ILogger logger, int version, string previous);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model version {Version}'s prediction sessions could not be built; it is served on its explaining session alone, on one core")]
    private static partial void LogInterimOnly(ILogger logger, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model version {Version}: first convolution {Form}: {Reason}; CPU features [{CpuFeatures}]; {Warmup} warm-up inferences per session before serving")]
    private static partial void LogVariant(ILogger logger, int version, string form, string reason, string cpuFeatures, int warmup);

    [LoggerMessage(Level = LogLevel.Error, Message = "Refused model version {Version}; still serving {Current}")]
    private static partial void LogRefused(ILogger logger, Exception exception, int version, string current);

    [LoggerMessage(Level = LogLevel.Error, Message = "The registry's champion cannot be served ({Problem}); still serving {Current}")]
    private static partial void LogUnusableChampion(ILogger logger, string problem, string current);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model registry could not be read; retrying at the next poll")]
    private static partial void LogRegistryUnreadable(ILogger logger, Exception exception);
}
