using AllClassifier.Mlflow;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Serving;

/// <summary>The outcome of the latest attempt to follow MLflow, for the health check.</summary>
public sealed class MlflowFollowStatus
{
    private volatile Snapshot _current = new(null, null, null);

    public Snapshot Current => _current;

    public void Succeeded(int? version, DateTimeOffset at) => _current = new Snapshot(version, at, null);

    public void Failed(string error) => _current = _current with { Error = error };

    /// <summary>The version the alias named at the last success, when that was, and the error since (if any).</summary>
    public sealed record Snapshot(int? Version, DateTimeOffset? LastSuccess, string? Error);
}

/// <summary>
/// Mirrors MLflow's champion into the cache directory that <see cref="ChampionWatcher"/> serves from: a new alias
/// target is downloaded, checked to load, and aliased locally, then the watcher hot-swaps it as for any local
/// champion. When MLflow cannot be reached, or offers a model that does not load, the cached champion keeps
/// serving and the health check reports Degraded. Files over <see cref="MlflowChampionOptions.MaxDownloadBytes"/>
/// or whose SHA-256 differs from the card's are refused the same way.
/// </summary>
internal sealed partial class MlflowChampionFollower(
    IServiceProvider services,
    MlflowFollowStatus status,
    IOptions<MlflowChampionOptions> options,
    TimeProvider timeProvider,
    ILogger<MlflowChampionFollower> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.FollowChampion)
        {
            return;
        }

        // Resolved only when following: the MLflow client needs a tracking URI.
        var mirror = services.GetRequiredService<MlflowRegistryMirror>();
        LogFollowing(logger, settings.Alias, settings.TrackingUri!, settings.CacheDirectory);
        using var timer = new PeriodicTimer(settings.PollInterval, timeProvider);
        do
        {
            await SyncOnceAsync(mirror, stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task SyncOnceAsync(MlflowRegistryMirror mirror, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        try
        {
            var result = await mirror.SyncAsync(
                settings.CacheDirectory, settings.RegisteredModelName, settings.Alias, settings.MaxDownloadBytes, cancellationToken);
            if (result.Downloaded)
            {
                LogDownloaded(logger, result.Version!.Value, settings.Alias);
            }

            status.Succeeded(result.Version, timeProvider.GetUtcNow());
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever MLflow or the disk throws (a bad file, a full disk, a protocol surprise), the cached champion
            // keeps serving and the next poll tries again: following must never stop the API.
            status.Failed(ex.Message);
            LogSyncFailed(logger, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Following MLflow alias {Alias} at {TrackingUri} (cache {CacheDirectory})")]
    private static partial void LogFollowing(ILogger logger, string alias, Uri trackingUri, string cacheDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetched MLflow model version {Version} ({Alias})")]
    private static partial void LogDownloaded(ILogger logger, int version, string alias);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not follow MLflow; serving the cached champion: {Error}")]
    private static partial void LogSyncFailed(ILogger logger, string error);
}
