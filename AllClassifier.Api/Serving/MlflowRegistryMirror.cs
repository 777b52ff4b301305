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

    public async Task<MlflowMirrorResult> SyncAsync(
        string localRoot,
        string modelName = LocalModelRegistry.ModelName,
        string alias = LocalModelRegistry.ChampionAlias,
        CancellationToken cancellationToken = default)
    {
        var version = await client.GetModelVersionByAliasAsync(modelName, alias, cancellationToken);
        if (version is null)
        {
            return new MlflowMirrorResult(null, false, null);
        }

        var registry = new LocalModelRegistry(localRoot);
        var number = version.Number;
        if (registry.Find(number) is { } cached && File.Exists(cached.ModelPath))
        {
            if (registry.ResolveAlias(alias) != number)
            {
                registry.SetAlias(number, alias);
            }

            return new MlflowMirrorResult(number, false, cached.ModelPath);
        }

        var source = version.Source ?? throw new InvalidDataException($"MLflow version {number} of '{modelName}' has no source.");
        Directory.CreateDirectory(registry.VersionsDirectory);
        var staging = Path.Combine(registry.VersionsDirectory, $".mlflow-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            var present = (await client.ListArtifactsAsync(source, cancellationToken)).Where(f => !f.IsDir).Select(f => f.Path).ToHashSet();
            if (!present.Contains(LocalModelRegistry.ModelFileName))
            {
                throw new InvalidDataException($"MLflow version {number} of '{modelName}' has no {LocalModelRegistry.ModelFileName} under {source}.");
            }

            foreach (var file in new[] { LocalModelRegistry.ModelFileName, LocalModelRegistry.CardFileName }.Where(present.Contains))
            {
                await client.DownloadArtifactToFileAsync(source, file, Path.Combine(staging, file), cancellationToken);
            }

            if (await ConfusionMatrixLocationAsync(version, present, cancellationToken) is { } chartDirectory)
            {
                var chart = LocalModelRegistry.ConfusionMatrixFileName;
                await client.DownloadArtifactToFileAsync(chartDirectory, chart, Path.Combine(staging, chart), cancellationToken);
            }

            Validate(Path.Combine(staging, LocalModelRegistry.ModelFileName), number);
            WriteCard(Path.Combine(staging, LocalModelRegistry.CardFileName), version);

            var target = Path.Combine(registry.VersionsDirectory, number.ToString(CultureInfo.InvariantCulture));
            if (Directory.Exists(target))
            {
                // An incomplete earlier copy (no model file): replace it.
                Directory.Delete(target, recursive: true);
            }

            Directory.Move(staging, target);
            registry.SetAlias(number, alias);
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

    private static void Validate(string modelPath, int version)
    {
        OnnxClassifier classifier;
        try
        {
            classifier = OnnxClassifier.Load(modelPath);
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
    private static void WriteCard(string cardPath, MlflowModelVersion version)
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

        File.WriteAllText(cardPath, (card with { Version = version.Number, Parameters = parameters }).ToJson());
    }
}
