using AllClassifier.Model.Registry;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Serving;

/// <summary>
/// Polls the registry's champion alias and hot-swaps the served model when it moves. Polling (not a file
/// watcher) because the registry may live on a volume where change notifications never arrive. A version that
/// fails to load or to pass the probe is refused once and the current model keeps serving.
/// </summary>
internal sealed partial class ChampionWatcher(
    ModelHolder holder,
    ModelLoader loader,
    IOptions<ModelServingOptions> options,
    TimeProvider timeProvider,
    ILogger<ChampionWatcher> logger) : BackgroundService
{
    private readonly HashSet<int> _refused = [];

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
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The registry may be half-written by another process; the next poll will see it whole.
                LogRegistryUnreadable(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    internal void CheckChampion(LocalModelRegistry registry)
    {
        if (registry.ResolveAlias() is not { } version || version == holder.Current?.Version || _refused.Contains(version))
        {
            return;
        }

        if (registry.Find(version) is not { } registered)
        {
            return;
        }

        ServedModel model;
        try
        {
            model = loader.Load(registered);
        }
        catch (Exception ex)
        {
            _refused.Add(version);
            LogRefused(logger, ex, version, holder.Current?.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none");
            return;
        }

        var previous = holder.Current?.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none";
        holder.Swap(model);
        LogServing(logger, version, previous);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Watching the champion of the model registry at {Root} every {Interval}")]
    private static partial void LogWatching(ILogger logger, string root, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving model version {Version} (previously {Previous})")]
    private static partial void LogServing(ILogger logger, int version, string previous);

    [LoggerMessage(Level = LogLevel.Error, Message = "Refused model version {Version}; still serving {Current}")]
    private static partial void LogRefused(ILogger logger, Exception exception, int version, string current);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The model registry could not be read; retrying at the next poll")]
    private static partial void LogRegistryUnreadable(ILogger logger, Exception exception);
}
