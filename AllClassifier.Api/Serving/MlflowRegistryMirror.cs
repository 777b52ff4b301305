using System.Globalization;
using AllClassifier.Mlflow;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Registry;

namespace AllClassifier.Api.Serving;

/// <summary>Outcome of one mirror pass: the version the alias points at (null when unset) and whether it was fetched now.</summary>
public sealed record MlflowMirrorResult(int? Version, bool Downloaded, string? ModelPath);

/// <summary>
/// Keeps a local registry directory (the <see cref="LocalModelRegistry"/> layout) in step with an MLflow alias:
/// alias → model version → download the version's <c>model.onnx</c> (and <c>model.json</c> when present) and the
/// <c>confusion_matrix.png</c> (beside the model or, where the trainer logs it, at the run's artifact root) → check that it can serve (<see cref="ModelLoader.Probe"/>) → move
/// it into <c>versions/&lt;N&gt;</c> → point the local alias at it. Anything that serves from a local registry
/// can therefore follow MLflow, and keeps serving the last good copy while MLflow is unreachable.
/// </summary>
public sealed class MlflowRegistryMirror(MlflowClient client)
{
    /// <summary>The largest file fetched by default: several times the ~64 MB a composed ResNet18 model weighs.</summary>
    public const long DefaultMaxFileBytes = 512L * 1024 * 1024;

    /// <summary>
    /// One pass; a file over <paramref name="maxFileBytes"/>, a model that does not load or whose bytes differ from
    /// the SHA-256 on its card throws <see cref="InvalidDataException"/> and leaves the cache as it was.
    /// </summary>
    public async Task<MlflowMirrorResult> SyncAsync(
        string localRoot,
        string modelName = LocalModelRegistry.ModelName,
        string alias = LocalModelRegistry.ChampionAlias,
        long maxFileBytes = DefaultMaxFileBytes,
        CancellationToken cancellationToken = default)
    {
        var version = await client.GetModelVersionByAliasAsync(modelName, alias, cancellationToken);
        if (version is null)
        {
            return new MlflowMirrorResult(null, false, null);
        }

        var registry = new LocalModelRegistry(localRoot);
        var number = version.Number;
        if (registry.TryFind(number) is { } cached && File.Exists(cached.ModelPath))
        {
            if (registry.ResolveAlias(alias) != number)
            {
                registry.SetAlias(number, alias);
            }

            return new MlflowMirrorResult(number, false, cached.ModelPath);
        }

        var source = version.Source ?? throw new InvalidDataException($"MLflow version {number} of '{modelName}' has no source.");
        var staging = registry.CreateStagingDirectory();
        try
        {
            var present = (await client.ListArtifactsAsync(source, cancellationToken)).Where(f => !f.IsDir).Select(f => f.Path).ToHashSet();
            if (!present.Contains(LocalModelRegistry.ModelFileName))
            {
                throw new InvalidDataException($"MLflow version {number} of '{modelName}' has no {LocalModelRegistry.ModelFileName} under {source}.");
            }

            foreach (var file in new[] { LocalModelRegistry.ModelFileName, LocalModelRegistry.CardFileName }.Where(present.Contains))
            {
                await client.DownloadArtifactToFileAsync(source, file, Path.Combine(staging, file), maxFileBytes, cancellationToken);
            }

            if (await ConfusionMatrixLocationAsync(version, present, cancellationToken) is { } chartDirectory)
            {
                var chart = LocalModelRegistry.ConfusionMatrixFileName;
                await client.DownloadArtifactToFileAsync(chartDirectory, chart, Path.Combine(staging, chart), maxFileBytes, cancellationToken);
            }

            var card = WriteCard(Path.Combine(staging, LocalModelRegistry.CardFileName), version);
            Validate(new RegisteredVersion(number, staging, card).ReadVerifiedModel(), number);
            DurableFile.SyncDirectory(staging);

            var target = Path.Combine(registry.VersionsDirectory, number.ToString(CultureInfo.InvariantCulture));
            if (Directory.Exists(target))
            {
                // An incomplete earlier copy (no model file): replace it.
                Directory.Delete(target, recursive: true);
            }

            Directory.Move(staging, target);
            DurableFile.SyncDirectory(registry.VersionsDirectory);
            registry.WithLock(() =>
            {
                registry.SetAlias(number, alias);

                // The cache only needs what it may serve: the followed version and the one before it.
                return registry.Prune(challengersToKeep: 1);
            });
            return new MlflowMirrorResult(number, true, Path.Combine(target, LocalModelRegistry.ModelFileName));
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>
    /// The artifact folder holding the version's confusion matrix: its own source, or else the root of the run that
    /// logged it (a version's source is the run's <c>model/</c> folder, and evaluation output sits beside it).
    /// </summary>
    private async Task<string?> ConfusionMatrixLocationAsync(MlflowModelVersion version, HashSet<string> presentAtSource, CancellationToken cancellationToken)
    {
        if (presentAtSource.Contains(LocalModelRegistry.ConfusionMatrixFileName))
        {
            return version.Source;
        }

        if (version.RunId is null)
        {
            return null;
        }

        var runArtifacts = (await client.GetRunAsync(version.RunId, cancellationToken)).Info.ArtifactUri;
        var atRunRoot = await client.ListArtifactsAsync(runArtifacts, cancellationToken);
        return atRunRoot.Any(f => !f.IsDir && f.Path == LocalModelRegistry.ConfusionMatrixFileName) ? runArtifacts : null;
    }

    private static void Validate(byte[] model, int version)
    {
        OnnxClassifier classifier;
        try
        {
            classifier = OnnxClassifier.Load(model);
        }
        catch (Exception e)
        {
            throw new InvalidDataException($"MLflow version {version}'s model.onnx does not load: {e.Message}", e);
        }

        using (classifier)
        {
            try
            {
                ModelLoader.Probe(classifier);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"MLflow version {version} cannot serve: {e.Message}", e);
            }
        }
    }

    /// <summary>Keeps the trainer's card when it was uploaded, renumbered to the MLflow version; writes a minimal one otherwise.</summary>
    private static ModelCard WriteCard(string cardPath, MlflowModelVersion version)
    {
        var card = File.Exists(cardPath)
            ? ModelCard.FromJson(File.ReadAllText(cardPath))
            : new ModelCard { RunId = version.RunId ?? "", Metrics = new EvaluationMetrics(), TrainingDataHash = "" };
        var parameters = new Dictionary<string, string>(card.Parameters)
        {
            [MlflowParameterNames.Version] = version.Version,
            [MlflowParameterNames.Source] = version.Source ?? "",
        };
        if (version.RunId is not null)
        {
            parameters[MlflowParameterNames.RunId] = version.RunId;
        }

        var renumbered = card with { Version = version.Number, Parameters = parameters };
        DurableFile.WriteAllText(cardPath, renumbered.ToJson());
        return renumbered;
    }
}
