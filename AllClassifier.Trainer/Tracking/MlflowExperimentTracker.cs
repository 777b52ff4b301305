using System.Reflection;
using System.Text.Json;
using AllClassifier.Mlflow;
using AllClassifier.Model.Registry;

namespace AllClassifier.Trainer.Tracking;

/// <summary>
/// Reports a pipeline run to MLflow: one MLflow run per pipeline run in experiment
/// <c>all_classification_pipeline</c>, params and tags at start, metrics with their step, artifacts through the
/// server's proxied artifact store, and a version of registered model <c>all-classifier</c> whose source is the
/// run's <c>model</c> artifact directory (alias <c>champion</c> when promoted). Pipeline tasks may run as separate
/// processes, so the MLflow ids live in <c>mlflow_run.json</c> in the run directory.
/// </summary>
public sealed class MlflowExperimentTracker(MlflowClient client, MlflowTrackingOptions options) : IExperimentTracker
{
    public const string StateFileName = "mlflow_run.json";
    public const string ModelArtifactDirectory = "model";

    private static readonly JsonSerializerOptions StateJson = new(MlflowJson.Options) { WriteIndented = true };

    public async Task StartRunAsync(
        string runId,
        string runDirectory,
        IReadOnlyDictionary<string, string> parameters,
        IReadOnlyDictionary<string, string> tags,
        CancellationToken cancellationToken)
    {
        var state = ReadState(runDirectory);
        if (state is null || state.TrackingUri != options.TrackingUri.AbsoluteUri)
        {
            var experimentId = await client.GetOrCreateExperimentAsync(options.ExperimentName, cancellationToken);
            var run = await client.CreateRunAsync(experimentId, runId, RunTags(runId, tags), cancellationToken);
            if (!MlflowArtifactUri.IsProxied(run.Info.ArtifactUri))
            {
                // Refused before any training: every artifact of the run would otherwise fail to upload at the end.
                await client.UpdateRunAsync(run.Info.RunId, MlflowRunStatus.Failed, cancellationToken);
                throw new NotSupportedException(MlflowArtifactUri.NotProxiedMessage(run.Info.ArtifactUri));
            }

            state = new TrackerState(options.TrackingUri.AbsoluteUri, experimentId, run.Info.RunId, run.Info.ArtifactUri, null);
            WriteState(runDirectory, state);
        }

        if (parameters.Count > 0)
        {
            await client.LogBatchAsync(state.RunId, parameters: parameters, cancellationToken: cancellationToken);
        }
    }

    public async Task LogMetricsAsync(string runId, string runDirectory, IReadOnlyList<TrackedMetric> metrics, CancellationToken cancellationToken)
    {
        var state = RequireState(runId, runDirectory);
        var now = client.Now();
        await client.LogBatchAsync(
            state.RunId,
            metrics.Select(m => new MlflowMetric(m.Key, m.Value, now, m.Step)).ToList(),
            cancellationToken: cancellationToken);
    }

    public async Task LogArtifactsAsync(string runId, string runDirectory, IReadOnlyList<TrackedArtifact> artifacts, CancellationToken cancellationToken)
    {
        var state = RequireState(runId, runDirectory);
        foreach (var artifact in artifacts)
        {
            if (Directory.Exists(artifact.LocalPath))
            {
                foreach (var file in Directory.EnumerateFiles(artifact.LocalPath, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    var relative = Path.GetRelativePath(artifact.LocalPath, file).Replace(Path.DirectorySeparatorChar, '/');
                    await client.UploadArtifactAsync(state.ArtifactUri, $"{artifact.ArtifactPath.TrimEnd('/')}/{relative}", file, cancellationToken);
                }
            }
            else
            {
                await client.UploadArtifactAsync(state.ArtifactUri, artifact.ArtifactPath, artifact.LocalPath, cancellationToken);
            }
        }
    }

    public async Task<TrackedRegistration?> RegisterModelAsync(string runId, string runDirectory, int localVersion, bool promotedToChampion, CancellationToken cancellationToken)
    {
        var state = RequireState(runId, runDirectory);
        var version = state.ModelVersion;
        if (version is null)
        {
            await client.EnsureRegisteredModelAsync(options.RegisteredModelName, cancellationToken);
            var created = await client.CreateModelVersionAsync(
                options.RegisteredModelName,
                MlflowArtifactUri.Combine(state.ArtifactUri, ModelArtifactDirectory),
                state.RunId,
                $"AllClassifier local registry version {localVersion}",
                cancellationToken);
            await client.WaitUntilReadyAsync(created, options.RegistrationTimeout, options.RegistrationPollInterval, cancellationToken);
            version = created.Version;
            // Recorded before aliasing so a retried task reuses this version instead of registering another.
            WriteState(runDirectory, state with { ModelVersion = version });
        }

        if (promotedToChampion)
        {
            await client.SetAliasAsync(options.RegisteredModelName, options.ChampionAlias, int.Parse(version, System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        }

        await client.LogBatchAsync(
            state.RunId,
            tags: new Dictionary<string, string>
            {
                ["allclassifier.local_version"] = localVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["allclassifier.mlflow_version"] = version,
                ["allclassifier.champion"] = promotedToChampion ? "true" : "false",
            },
            cancellationToken: cancellationToken);
        return new TrackedRegistration(state.TrackingUri, state.RunId, options.RegisteredModelName, version);
    }

    public async Task EndRunAsync(string runId, string runDirectory, bool succeeded, CancellationToken cancellationToken)
    {
        if (ReadState(runDirectory) is not { } state)
        {
            return;
        }

        await client.UpdateRunAsync(state.RunId, succeeded ? MlflowRunStatus.Finished : MlflowRunStatus.Failed, cancellationToken);
    }

    /// <summary>The MLflow run id recorded for a pipeline run directory, if tracking started there.</summary>
    public static string? MlflowRunIdOf(string runDirectory) => ReadState(runDirectory)?.RunId;

    private Dictionary<string, string> RunTags(string runId, IReadOnlyDictionary<string, string> tags)
    {
        var version = typeof(MlflowExperimentTracker).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var result = new Dictionary<string, string>
        {
            ["mlflow.source.name"] = "AllClassifier.Trainer",
            ["mlflow.source.type"] = "JOB",
            ["allclassifier.run_id"] = runId,
            ["trainer_version"] = version,
        };
        // The SDK stamps the commit into the informational version ("1.0.0+<sha>") when building from git.
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        var commit = options.SourceCommit ?? (plus >= 0 ? version[(plus + 1)..] : null);
        if (!string.IsNullOrWhiteSpace(commit))
        {
            result["mlflow.source.git.commit"] = commit;
        }

        // The server derives mlflow.runName from run_name and refuses a tag that disagrees with it.
        foreach (var (key, value) in tags.Where(t => t.Key != "mlflow.runName"))
        {
            result[key] = value;
        }

        return result;
    }

    private TrackerState RequireState(string runId, string runDirectory) =>
        ReadState(runDirectory) ?? throw new InvalidOperationException(
            $"No MLflow run was started for pipeline run {runId} (missing {Path.Combine(runDirectory, StateFileName)}).");

    private static TrackerState? ReadState(string runDirectory)
    {
        var path = Path.Combine(runDirectory, StateFileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<TrackerState>(File.ReadAllText(path), StateJson) : null;
    }

    private static void WriteState(string runDirectory, TrackerState state)
    {
        Directory.CreateDirectory(runDirectory);
        var path = Path.Combine(runDirectory, StateFileName);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(state, StateJson));
        File.Move(temporary, path, overwrite: true);
    }

    private sealed record TrackerState(string TrackingUri, string ExperimentId, string RunId, string ArtifactUri, string? ModelVersion);
}
