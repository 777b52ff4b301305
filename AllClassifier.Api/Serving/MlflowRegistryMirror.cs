using System.Globalization;
using AllClassifier.Api.Signing;
using AllClassifier.Mlflow;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Registry;

namespace AllClassifier.Api.Serving;

/// <summary>Outcome of one mirror pass: the version the alias points at (null when unset) and whether it was fetched now.</summary>
public sealed record MlflowMirrorResult(int? Version, bool Downloaded, string? ModelPath);

/// <summary>
/// Keeps a local registry directory (the <see cref="LocalModelRegistry"/> layout) in step with an MLflow alias:
/// alias → model version → download the version's <c>signature.json</c>, <c>model.onnx</c>, <c>model.json</c> and the
/// <c>confusion_matrix.png</c> (beside the model or, where the trainer logs it, at the run's artifact root) → verify
/// them against the trainer's signature (<see cref="ModelSignatureVerifier"/>) and check that the model can serve
/// (<see cref="ModelLoader.Probe"/>) → move it into <c>versions/&lt;N&gt;</c> → point the local alias at it. The files
/// are kept as the trainer signed them (the card names the trainer's version number; the folder's is MLflow's).
/// Anything that serves from a local registry can therefore follow MLflow, and keeps serving the last good copy while
/// MLflow is unreachable or offers a version its signature does not vouch for.
/// </summary>
public sealed class MlflowRegistryMirror(MlflowClient client, ModelSignatureVerifier signatures)
{
    /// <summary>The largest file fetched by default: several times the ~64 MB a composed ResNet18 model weighs.</summary>
    public const long DefaultMaxFileBytes = 512L * 1024 * 1024;

    /// <summary>
    /// One pass; a file over <paramref name="maxFileBytes"/>, a version without a valid signature, a file that differs
    /// from what the signature or the card says, or a model that does not load throws <see cref="InvalidDataException"/>
    /// and leaves the cache as it was.
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

            string[] files = [ModelSignature.FileName, LocalModelRegistry.ModelFileName, LocalModelRegistry.CardFileName];
            foreach (var file in files.Where(present.Contains))
            {
                await client.DownloadArtifactToFileAsync(source, file, Path.Combine(staging, file), maxFileBytes, cancellationToken);
            }

            // Only a chart the signature vouches for: one the run logged but the version does not hold would be refused.
            var signed = ModelSignature.Read(staging);
            var chart = LocalModelRegistry.ConfusionMatrixFileName;
            if ((signed is null || signed.Files.ContainsKey(chart))
                && await ConfusionMatrixLocationAsync(version, present, cancellationToken) is { } chartDirectory)
            {
                await client.DownloadArtifactToFileAsync(chartDirectory, chart, Path.Combine(staging, chart), maxFileBytes, cancellationToken);
            }

            var card = ReadCard(Path.Combine(staging, LocalModelRegistry.CardFileName), version);
            Validate(Verify(new RegisteredVersion(number, staging, card), modelName), number);
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

    private byte[] Verify(RegisteredVersion staged, string modelName)
    {
        try
        {
            return signatures.Verify(staged).Model;
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"MLflow version {staged.Version} of '{modelName}' was refused: {e.Message}", e);
        }
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

    /// <summary>
    /// The trainer's card as uploaded, untouched (the signature covers its bytes). A version without one can only be
    /// served unsigned (<see cref="ModelSigningOptions.AllowUnsigned"/>): a minimal card is written for it.
    /// </summary>
    private static ModelCard ReadCard(string cardPath, MlflowModelVersion version)
    {
        if (File.Exists(cardPath))
        {
            return ModelCard.FromJson(File.ReadAllText(cardPath)) with { Version = version.Number };
        }

        var parameters = new Dictionary<string, string>
        {
            [MlflowParameterNames.Version] = version.Version,
            [MlflowParameterNames.Source] = version.Source ?? "",
        };
        if (version.RunId is not null)
        {
            parameters[MlflowParameterNames.RunId] = version.RunId;
        }

        var card = new ModelCard
        {
            RunId = version.RunId ?? "",
            Metrics = new EvaluationMetrics(),
            TrainingDataHash = "",
            Version = version.Number,
            Parameters = parameters,
        };
        DurableFile.WriteAllText(cardPath, card.ToJson());
        return card;
    }
}
