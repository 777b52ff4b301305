using AllClassifier.Trainer.Retraining;
using System.Globalization;
using AllClassifier.Mlflow;
using AllClassifier.Model.Registry;
using AllClassifier.Trainer.Dataset;
using AllClassifier.Trainer.Evaluation;
using AllClassifier.Trainer.Signing;
using AllClassifier.Trainer.Tracking;
using AllClassifier.Trainer.Training;

namespace AllClassifier.Trainer.Pipeline;

/// <summary>register_model's outcome (<c>runs/&lt;run_id&gt;/registration.json</c>).</summary>
public sealed record RegistrationReport(string RunId, int Version, bool Promoted, string Reason, int? ChampionVersion, TrackedRegistration? Tracking);

/// <summary>
/// register_model: adds the run's model as a new registry version with its model card, then — under the registry
/// lock — makes it champion if there is none or its macro-F1 on the same test split is not lower than the
/// champion's (<see cref="PromotionRule"/>). A champion that changed since test_classifier is re-measured first.
/// Then it prunes the registry to the champion, the previous champion and the newest challengers, and the work
/// directory's run folders to those of the versions left. Every version is signed with the trainer's key
/// (<see cref="ModelVersionSigner"/>) before it is published and again whenever its card changes, and the card and
/// signature go to MLflow with the model before its alias moves, so the API can verify it whichever registry it reads.
/// </summary>
public sealed class RegisterModelTask(ModelEvaluator evaluator, IExperimentTracker tracker, ModelVersionSigner signer, TimeProvider timeProvider) : IPipelineTask
{
    /// <summary>The card parameter holding the test-time view count the run was tested with.</summary>
    public const string TestTimeViewsParameter = "tta_views";

    public string Id => PipelineTaskIds.RegisterModel;

    public async Task<string> ExecuteAsync(PipelineOptions options, IPipelineReporter reporter, CancellationToken cancellationToken)
    {
        var work = new WorkDirectory(options.WorkDirectory);
        var (runId, files, run) = work.OpenTrainedRun(options.RunId);
        var runDirectory = files.Directory;
        var test = WorkDirectory.ReadJson<TestReport>(files.Metrics);
        var registry = new LocalModelRegistry(options.RegistryDirectory);
        var chartPath = files.ConfusionMatrix;
        // The served candidate's model and head are registered under the usual names, whatever their precision.
        var (servedModel, servedHead) = files.Served(test.Precision);
        var extraFiles = new[] { files.History, files.Metrics }
            .ToDictionary(path => Path.GetFileName(path), File.ReadAllBytes);
        extraFiles[HeadFile.FileName] = File.ReadAllBytes(servedHead);
        var seal = signer.Seal;
        if (seal is null)
        {
            reporter.Warning(
                "no model signing key is configured (ModelSigning:PrivateKeyPath or ModelSigning:PrivateKey): the version is " +
                "registered unsigned and the API will refuse it until `models sign` signs it");
        }

        var registered = registry.Register(
            await File.ReadAllBytesAsync(servedModel, cancellationToken),
            version => new ModelCard
            {
                RunId = runId,
                Created = timeProvider.GetUtcNow(),
                Head = run.Head,
                Metrics = test.Metrics,
                Precision = test.Precision,
                Fp32MacroF1 = test.Fp32MacroF1,
                Int8MacroF1 = test.Int8MacroF1,
                TrainingDataHash = run.Data.TrainingDataHash,
                TestSplitHash = run.Data.TestSplitHash,
                ParentVersion = run.ParentVersion,
                FeedbackHighWaterMark = run.Data.FeedbackHighWaterMark,
                TestTimeAugmentation = test.TestTimeViews,
                Parameters = new Dictionary<string, string>(run.Parameters)
                {
                    [TestTimeViewsParameter] = test.TestTimeViews.ToString(CultureInfo.InvariantCulture),
                },
                ClassActivationMap = run.ClassActivationMap,
                ReferralGate = test.ReferralGate,
                TrainingClassMix = TrainingClassMix(run.Data),
            },
            File.Exists(chartPath) ? await File.ReadAllBytesAsync(chartPath, cancellationToken) : null,
            extraFiles,
            seal);

        var decision = registry.WithLock(() =>
        {
            var champion = registry.Champion();
            var championMacroF1 = champion switch
            {
                null => (double?)null,
                _ when champion.Version == test.Champion?.Version => test.Champion.Metrics.MacroF1,
                _ => ChampionOnTestSplit(champion, work, runDirectory, reporter, cancellationToken),
            };
            var outcome = PromotionRule.Decide(
                test.Metrics.MacroF1,
                champion?.Version,
                championMacroF1,
                test.ReferralGate,
                champion?.Card.ReferralGate is { Present: true },
                test.NotAssessable);
            // The reason stays with the version, so a challenger kept back (by its referral gate, say) says why.
            registry.UpdateCard(registered.Version, card => card with { PromotionReason = outcome.Reason }, seal);
            if (outcome.Promote)
            {
                registry.SetAlias(registered.Version);
            }

            var pruned = registry.Prune(options.ChallengersToKeep);
            var prunedRuns = work.PruneRuns(registry.List().Select(version => version.Card.RunId).Append(runId));
            if (pruned.Count > 0 || prunedRuns.Count > 0)
            {
                reporter.Info($"pruned registry versions [{string.Join(", ", pruned)}] and {prunedRuns.Count} run folder(s)");
            }

            return (Outcome: outcome, ChampionVersion: champion?.Version);
        });

        // Signed card first: an MLflow follower may fetch the version as soon as its alias moves.
        await tracker.LogArtifactsAsync(runId, runDirectory, SignedFiles(registered), cancellationToken);
        var tracking = await tracker.RegisterModelAsync(runId, runDirectory, registered.Version, decision.Outcome.Promote, cancellationToken);
        if (tracking is not null)
        {
            // The card names its tracking-server twin, so the local registry and MLflow stay in step.
            registry.UpdateCard(registered.Version, card => card with
            {
                Parameters = new Dictionary<string, string>(card.Parameters) { [MlflowParameterNames.Version] = tracking.Version },
            }, seal);
            await tracker.LogArtifactsAsync(runId, runDirectory, SignedFiles(registered), cancellationToken);
        }

        var report = new RegistrationReport(runId, registered.Version, decision.Outcome.Promote, decision.Outcome.Reason, decision.ChampionVersion, tracking);
        WorkDirectory.WriteJson(files.Registration, report);
        await tracker.EndRunAsync(runId, runDirectory, succeeded: true, cancellationToken);

        var role = decision.Outcome.Promote ? "champion" : "challenger";
        var tracked = tracking is null ? "" : $" (MLflow run {tracking.RunId}, '{tracking.ModelName}' version {tracking.Version})";
        return string.Create(CultureInfo.InvariantCulture, $"registered version {registered.Version} as {role}: {decision.Outcome.Reason}{tracked}");
    }

    /// <summary>The card and, when signed, the signature, under the run's <c>model/</c> folder beside the model.</summary>
    private static List<TrackedArtifact> SignedFiles(RegisteredVersion registered) =>
    [
        .. new[] { LocalModelRegistry.CardFileName, ModelSignature.FileName }
            .Where(name => File.Exists(Path.Combine(registered.Directory, name)))
            .Select(name => new TrackedArtifact(Path.Combine(registered.Directory, name), $"{MlflowExperimentTracker.ModelArtifactDirectory}/{name}")),
    ];

    /// <summary>Each class's share of the training split (keys <c>train/class/source</c>), by class name.</summary>
    private static Dictionary<string, double> TrainingClassMix(DataSummary data)
    {
        var perClass = data.Counts
            .Where(pair => pair.Key.StartsWith("train/", StringComparison.Ordinal))
            .GroupBy(pair => pair.Key.Split('/')[1], pair => pair.Value)
            .ToDictionary(group => group.Key, group => group.Sum());
        var total = perClass.Values.Sum();
        return total == 0 ? [] : perClass.ToDictionary(pair => pair.Key, pair => (double)pair.Value / total);
    }

    private double ChampionOnTestSplit(RegisteredVersion champion, WorkDirectory work, string runDirectory, IPipelineReporter reporter, CancellationToken cancellationToken)
    {
        var test = ManifestFile.Read(new RunFiles(runDirectory).ManifestCopy(work.TestManifest));
        var features = evaluator.Features(work, test, reporter, cancellationToken);
        return evaluator.Evaluate(champion, work, test, features, cancellationToken).MacroF1;
    }
}
