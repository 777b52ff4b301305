using System.Globalization;
using System.Security.Cryptography;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Referral;
using AllClassifier.Model.Registry;
using AllClassifier.Trainer.Dataset;
using AllClassifier.Trainer.Evaluation;
using AllClassifier.Trainer.Features;
using AllClassifier.Trainer.Tracking;
using AllClassifier.Trainer.Training;
using AllClassifier.Training.Augmentation;
using AllClassifier.Training.Heads;
using AllClassifier.Training.Onnx;
using AllClassifier.Training.Quantization;
using AllClassifier.Training.Referral;

using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AllClassifier.Trainer.Pipeline;

/// <summary>What train_classifier recorded about a run (<c>runs/&lt;run_id&gt;/run.json</c>).</summary>
public sealed record RunInfo
{
    public required string RunId { get; init; }

    public DateTimeOffset Created { get; init; }

    public required string Head { get; init; }

    public int BestEpoch { get; init; }

    /// <summary>The champion when the run was trained.</summary>
    public int? ParentVersion { get; init; }

    public required DataSummary Data { get; init; }

    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Largest |composed ONNX − managed head| probability difference seen by the self-check.</summary>
    public double SelfCheckMaxDifference { get; init; }

    /// <summary>The validation-fitted temperature already folded into the saved head and the model (1: none).</summary>
    public double Temperature { get; init; } = 1;

    /// <summary>The same for the INT8 candidate, whose head is trained and calibrated on its own features.</summary>
    public double Int8Temperature { get; init; } = 1;

    /// <summary>Where the model's class activation map comes from (<see cref="ClassActivationMapVariant"/>).</summary>
    public string? ClassActivationMap { get; init; }

    /// <summary>Whether the run built an INT8 candidate (model, head and calibration).</summary>
    public bool HasInt8Candidate { get; init; }

    /// <summary>Whether the run built an fp32 candidate (model and head); test_classifier weighs the two when both exist.</summary>
    public bool HasFp32Candidate { get; init; } = true;

    /// <summary>The features the heads take (<see cref="FeatureLayouts.Name"/>); runs from before layouts used the global pool.</summary>
    public string Features { get; init; } = FeatureLayout.GlobalPool.Name();

    [System.Text.Json.Serialization.JsonIgnore]
    public FeatureLayout Layout => FeatureLayouts.TryParse(Features, out var layout)
        ? layout
        : throw new InvalidDataException($"Run {RunId} names an unknown feature layout '{Features}'.");
}

/// <summary>
/// train_classifier: computes (or reads cached) backbone features (<see cref="PipelineOptions.Features"/>) for the
/// training images plus seeded dihedral views and acquisition-shifted copies of them, trains the head with early stopping on the validation split, calibrates it by temperature scaling
/// on the same split, composes the single ONNX model and
/// checks that it gives the managed head's probabilities. Emits a run id; everything lands in <c>runs/&lt;run_id&gt;/</c>.
/// </summary>
public sealed class TrainClassifierTask(ImagePreprocessor preprocessor, FeatureExtractor extractor, IExperimentTracker tracker, TimeProvider timeProvider) : IPipelineTask
{
    private const int SelfCheckImages = 3;

    public string Id => PipelineTaskIds.TrainClassifier;

    public async Task<string> ExecuteAsync(PipelineOptions options, IPipelineReporter reporter, CancellationToken cancellationToken)
    {
        var work = new WorkDirectory(options.WorkDirectory);
        var train = ManifestFile.Read(work.TrainManifest);
        var validation = ManifestFile.Read(work.ValidationManifest);
        var data = WorkDirectory.ReadJson<DataSummary>(work.DataSummary);
        var created = timeProvider.GetUtcNow();
        var runId = $"{created:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
        var runDirectory = work.RunDirectory(runId);
        Directory.CreateDirectory(runDirectory);
        File.WriteAllText(work.LatestRunFile, runId);
        reporter.Info($"run_id {runId}");

        var parameters = Parameters(options, data);
        await tracker.StartRunAsync(runId, runDirectory, parameters, new Dictionary<string, string> { ["pipeline"] = PipelineTaskIds.PipelineId }, cancellationToken);

        try
        {
            return await TrainAsync(options, reporter, work, runId, runDirectory, created, train, validation, data, parameters, cancellationToken);
        }
        catch
        {
            await tracker.EndRunAsync(runId, runDirectory, succeeded: false, CancellationToken.None);
            throw;
        }
    }

    private async Task<string> TrainAsync(
        PipelineOptions options,
        IPipelineReporter reporter,
        WorkDirectory work,
        string runId,
        string runDirectory,
        DateTimeOffset created,
        IReadOnlyList<ManifestEntry> train,
        IReadOnlyList<ManifestEntry> validation,
        DataSummary data,
        Dictionary<string, string> parameters,
        CancellationToken cancellationToken)
    {
        var trainRequests = train
            .SelectMany(entry => DihedralView.AugmentationViews(entry.Sha256, options.Seed, options.AugmentViews)
                .Prepend(DihedralView.Identity)
                .Select(view => new FeatureRequest(work.Resolve(entry.Path), entry.Sha256, view))
                .Concat(AcquisitionShift.Augmentations(entry.Sha256, options.AugmentShifts)
                    .Select(shift => new FeatureRequest(work.Resolve(entry.Path), entry.Sha256, DihedralView.Identity, shift)))
                .Select(request => (Entry: entry, Request: request)))
            .ToList();
        var validationRequests = validation.Select(entry => new FeatureRequest(work.Resolve(entry.Path), entry.Sha256, DihedralView.Identity)).ToList();
        var allRequests = trainRequests.Select(item => item.Request).Concat(validationRequests).ToList();
        var trainingOptions = options.Training with { Seed = options.Seed };
        var files = new RunFiles(runDirectory);
        var metadata = new Dictionary<string, string>
        {
            ["run_id"] = runId,
            ["classes"] = string.Join(",", Model.CellClasses.Names),
            ["training_data_hash"] = data.TrainingDataHash,
            ["created"] = created.ToString("O", CultureInfo.InvariantCulture),
        };
        var checkEntries = (validation.Count > 0 ? validation : train).Take(SelfCheckImages).ToList();
        var trainLabels = trainRequests.Select(item => (int)item.Entry.Class).ToList();
        var (validationQuality, shiftedQuality) = MeasureQuality(validation, work, options.AugmentShifts);
        var referral = new ReferralFit(validationQuality, [.. validationQuality, .. shiftedQuality], options.ReferralCoverage);
        Candidate? fp32 = null;
        if (options.Int8.TrainsFp32)
        {
            FeatureExtractionResult features;
            using (var cache = new FeatureCache(work.FeatureCache(options.Features)))
            {
                features = reporter.WithProgress(
                    "Extracting features",
                    allRequests.Count,
                    progress => extractor.Extract(cache, allRequests, progress, cancellationToken, layout: options.Features));
            }

            reporter.Info($"features: {features.CacheHits} from cache, {features.Computed} computed");
            fp32 = TrainCandidate(features.Features, null, options.Features, files.Model, files.Head, metadata, reporter, work, trainLabels, validation, checkEntries, trainingOptions, referral with { Files = files.ReferralGate(BackbonePrecision.Fp32) });
        }

        Candidate? int8 = null;
        if (options.Int8.Enabled)
        {
            // The INT8 candidate's head is trained on the features its own backbone produces; test_classifier decides
            // which of the two candidates is served.
            // Evenly spaced through the manifest, so every class is seen whatever order the manifest is in.
            var stride = Math.Max(1, train.Count / Math.Max(1, options.Int8.CalibrationImages));
            var calibration = train.Where((_, index) => index % stride == 0).Take(options.Int8.CalibrationImages)
                .Select(entry => preprocessor.ToTensor(File.ReadAllBytes(work.Resolve(entry.Path))));
            var ranges = BackboneCalibrator.Calibrate(BackboneFiles.InDirectory(), calibration, Environment.ProcessorCount);
            WorkDirectory.WriteJson(files.Int8Calibration, ranges);
            FeatureExtractionResult int8Features;
            using (var cache = new FeatureCache(work.Int8FeatureCache(ranges.Fingerprint(), options.Features)))
            {
                int8Features = reporter.WithProgress(
                    "Extracting INT8 features",
                    allRequests.Count,
                    progress => extractor.Extract(cache, allRequests, progress, cancellationToken, ranges, options.Features));
            }

            reporter.Info($"INT8 features: {int8Features.CacheHits} from cache, {int8Features.Computed} computed");
            int8 = TrainCandidate(int8Features.Features, ranges, options.Features, files.Int8Model, files.Int8Head, metadata, reporter, work, trainLabels, validation, checkEntries, trainingOptions, referral with { Files = files.ReferralGate(BackbonePrecision.Int8) });
            reporter.Info(string.Create(
                CultureInfo.InvariantCulture,
                $"INT8 candidate: val macro-F1 {int8.Result.History.Single(e => e.Epoch == int8.Result.BestEpoch).ValidationMacroF1:F3}; ONNX self-check max diff {int8.SelfCheckDifference:E1}"));
        }

        // The history, temperature and map variant reported for the run are the fp32 model's when there is one (it
        // was always trained first), else the INT8 model's.
        var candidate = fp32 ?? int8 ?? throw new InvalidOperationException("The run trained no model.");
        var (result, linearProbe, difference) = (candidate.Result, candidate.LinearProbe, candidate.SelfCheckDifference);
        var (modelPath, headPath) = fp32 is null ? (files.Int8Model, files.Int8Head) : (files.Model, files.Head);
        WorkDirectory.WriteJson(files.History, result.History);
        await tracker.LogMetricsAsync(
            runId,
            runDirectory,
            result.History.SelectMany(epoch => new[]
            {
                new TrackedMetric("train_loss", epoch.TrainLoss, epoch.Epoch),
                new TrackedMetric("val_loss", epoch.ValidationLoss, epoch.Epoch),
                new TrackedMetric("val_accuracy", epoch.ValidationAccuracy, epoch.Epoch),
                new TrackedMetric("val_macro_f1", epoch.ValidationMacroF1, epoch.Epoch),
            }).Append(new TrackedMetric("temperature", candidate.Temperature, result.BestEpoch)).ToList(),
            cancellationToken);

        Directory.CreateDirectory(files.Manifests);
        foreach (var manifest in new[] { work.TrainManifest, work.ValidationManifest, work.TestManifest, work.DataSummary })
        {
            File.Copy(manifest, files.ManifestCopy(manifest), overwrite: true);
        }

        var best = result.History.Single(epoch => epoch.Epoch == result.BestEpoch);
        WorkDirectory.WriteJson(files.Info, new RunInfo
        {
            RunId = runId,
            Created = created,
            Head = result.Head.Kind.ToString().ToLowerInvariant(),
            BestEpoch = result.BestEpoch,
            ParentVersion = new LocalModelRegistry(options.RegistryDirectory).ResolveAlias(),
            Data = data,
            Parameters = parameters,
            SelfCheckMaxDifference = difference,
            HasInt8Candidate = int8 is not null,
            HasFp32Candidate = fp32 is not null,
            Temperature = fp32?.Temperature ?? 1,
            Int8Temperature = int8?.Temperature ?? 1,
            ClassActivationMap = linearProbe is null ? ClassActivationMapVariant.Head : ClassActivationMapVariant.LinearProbe,
            Features = options.Features.Name(),
        });
        await tracker.LogArtifactsAsync(
            runId,
            runDirectory,
            [
                new TrackedArtifact(modelPath, $"model/{RunFiles.ModelFileName}"),
                new TrackedArtifact(headPath, $"model/{HeadFile.FileName}"),
                new TrackedArtifact(files.History, RunFiles.HistoryFileName),
                .. Directory.EnumerateFiles(files.Manifests).Order()
                    .Select(path => new TrackedArtifact(path, $"manifests/{Path.GetFileName(path)}")),
            ],
            cancellationToken);

        return string.Create(
            CultureInfo.InvariantCulture,
            $"run {runId}: {result.Head.Kind.ToString().ToLowerInvariant()} head, best epoch {result.BestEpoch} of {result.History.Count}, val accuracy {best.ValidationAccuracy:P1}, val macro-F1 {best.ValidationMacroF1:F3}, temperature {candidate.Temperature:F2}; ONNX self-check max diff {difference:E1}");
    }

    private sealed record Candidate(HeadTrainingResult Result, ClassifierHead? LinearProbe, double SelfCheckDifference, double Temperature);

    /// <summary>What fitting a candidate's referral gate needs: the held-out images' quality, the coverage, where to write it.</summary>
    private sealed record ReferralFit(IReadOnlyList<ImageQuality> ValidationQuality, IReadOnlyList<ImageQuality> QualityReference, double Coverage)
    {
        public (string Card, string Parameters) Files { get; init; }
    }

    /// <summary>
    /// The referral gate's quality limits come from the held-out images as they are (no augmentation), and also cover
    /// the acquisition shifts the model is trained to take (the same seeded copies): both from one decode per image.
    /// </summary>
    private (List<ImageQuality> Original, List<ImageQuality> Shifted) MeasureQuality(IReadOnlyList<ManifestEntry> entries, WorkDirectory work, int shifts)
    {
        var (original, shifted) = (new List<ImageQuality>(), new List<ImageQuality>());
        var tensor = new float[ImagePreprocessor.TensorLength];
        foreach (var entry in entries)
        {
            using var image = preprocessor.LoadResized(File.ReadAllBytes(work.Resolve(entry.Path)));
            original.Add(Measure(image, tensor));
            foreach (var shift in AcquisitionShift.Augmentations(entry.Sha256, shifts))
            {
                using var copy = shift.Apply(image);
                shifted.Add(Measure(copy, tensor));
            }
        }

        return (original, shifted);

        static ImageQuality Measure(Image<Rgb24> image, float[] tensor)
        {
            ImagePreprocessor.WriteTensor(image, tensor);
            return ImageQuality.Measure(tensor, image.Width, image.Height);
        }
    }

    /// <summary>
    /// Fits the referral gate on the candidate's own training features (so its score is the served model's) and
    /// chooses its thresholds on the validation split; none without validation images.
    /// </summary>
    private static MahalanobisGate? FitReferralGate(LabeledFeatures trainSet, LabeledFeatures validationSet, int classCount, ReferralFit referral, IPipelineReporter reporter, string precision)
    {
        if (validationSet.Features.Count == 0)
        {
            reporter.Info($"no referral gate{precision}: the validation split is empty, so no threshold can be chosen");
            return null;
        }

        var gate = MahalanobisGate.Fit(trainSet.Features, trainSet.Labels, classCount);
        var scores = validationSet.Features.Select(vector => gate.Score(vector)).ToList();
        var card = ReferralGateFitter.Fit(gate, scores, referral.ValidationQuality, referral.Coverage, referral.QualityReference);
        gate.Save(referral.Files.Parameters);
        WorkDirectory.WriteJson(referral.Files.Card, card);
        reporter.Info($"referral gate{precision}: {card.Describe()}; shrinkage {card.Shrinkage:F3}");
        return gate;
    }

    /// <summary>
    /// Trains a head on one backbone's features (train views first, then validation), composes the model with that
    /// backbone (fp32, or INT8 with <paramref name="int8Backbone"/>), writes model and head, and self-checks them.
    /// </summary>
    private Candidate TrainCandidate(
        IReadOnlyList<float[]> features,
        ActivationRanges? int8Backbone,
        FeatureLayout layout,
        string modelPath,
        string headPath,
        IReadOnlyDictionary<string, string> metadata,
        IPipelineReporter reporter,
        WorkDirectory work,
        IReadOnlyList<int> trainLabels,
        IReadOnlyList<ManifestEntry> validation,
        IReadOnlyList<ManifestEntry> checkEntries,
        HeadTrainingOptions trainingOptions,
        ReferralFit referral)
    {
        var trainSet = new LabeledFeatures(features.Take(trainLabels.Count).ToList(), trainLabels);
        var validationSet = new LabeledFeatures(features.Skip(trainLabels.Count).ToList(), validation.Select(entry => (int)entry.Class).ToList());
        var precision = int8Backbone is null ? "" : " (INT8)";
        HeadTrainingResult Train(HeadKind kind) => reporter.WithProgress(
            $"Training {kind.ToString().ToLowerInvariant()} head{precision}",
            trainingOptions.MaxEpochs,
            progress => HeadTrainer.Train(trainSet, validationSet, trainingOptions with { Kind = kind }, progress));

        HeadTrainingResult result;
        HeadTrainingResult? softmax = null;
        if (trainingOptions.ChooseKindByValidation)
        {
            softmax = Train(HeadKind.Softmax);
            var mlp = Train(HeadKind.Mlp);
            var (softmaxBest, mlpBest) = (softmax.History.Single(e => e.Epoch == softmax.BestEpoch), mlp.History.Single(e => e.Epoch == mlp.BestEpoch));
            var mlpWins = mlpBest.ValidationMacroF1 > softmaxBest.ValidationMacroF1
                || (mlpBest.ValidationMacroF1 == softmaxBest.ValidationMacroF1 && mlpBest.ValidationLoss < softmaxBest.ValidationLoss);
            result = mlpWins ? mlp : softmax;
            reporter.Info(string.Create(
                CultureInfo.InvariantCulture,
                $"head chosen by validation{precision}: {(mlpWins ? "mlp" : "softmax")} (val macro-F1 softmax {softmaxBest.ValidationMacroF1:F4}, mlp {mlpBest.ValidationMacroF1:F4})"));
        }
        else
        {
            result = Train(trainingOptions.Kind);
        }

        // The saved and served head is the temperature-scaled one, so the API's probabilities are the calibrated ones.
        var temperature = TemperatureScaling.Fit(validationSet.Features.Select(vector => result.Head.Logits(vector)).ToList(), validationSet.Labels);
        var head = result.Head.WithTemperature(temperature);
        HeadFile.Save(headPath, head);

        // An MLP has no per-position linear decomposition; a softmax probe trained on the same features gives the map.
        var linearProbe = result.Head.Kind == HeadKind.Mlp
            ? (softmax ?? HeadTrainer.Train(trainSet, validationSet, trainingOptions with { Kind = HeadKind.Softmax })).Head
            : null;
        var modelMetadata = new Dictionary<string, string>(metadata) { ["head"] = result.Head.Kind.ToString().ToLowerInvariant() };
        var gate = FitReferralGate(trainSet, validationSet, head.ClassCount, referral, reporter, precision);
        var model = ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), head, modelMetadata, linearProbe, int8Backbone, layout, gate);
        File.WriteAllBytes(modelPath, model);
        var checkFeatures = validation.Count > 0 ? validationSet.Features : trainSet.Features;
        return new Candidate(result, linearProbe, SelfCheck(model, head, gate, checkEntries, checkFeatures, work), temperature);
    }

    private static Dictionary<string, string> Parameters(PipelineOptions options, DataSummary data)
    {
        var training = options.Training;
        var parameters = new Dictionary<string, string>
        {
            ["head"] = training.ChooseKindByValidation ? "auto" : training.Kind.ToString().ToLowerInvariant(),
            ["learning_rate"] = training.LearningRate.ToString(CultureInfo.InvariantCulture),
            ["max_epochs"] = training.MaxEpochs.ToString(CultureInfo.InvariantCulture),
            ["patience"] = training.Patience.ToString(CultureInfo.InvariantCulture),
            ["batch_size"] = training.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["l2"] = training.L2.ToString(CultureInfo.InvariantCulture),
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
            ["augment_views"] = options.AugmentViews.ToString(CultureInfo.InvariantCulture),
            ["augment_shifts"] = options.AugmentShifts.ToString(CultureInfo.InvariantCulture),
            ["feature_layout"] = options.Features.Name(),
            ["training_data_hash"] = data.TrainingDataHash,
            ["test_split_hash"] = data.TestSplitHash,
            ["near_duplicate_groups"] = data.NearDuplicateGroups.ToString(CultureInfo.InvariantCulture),
            ["near_duplicate_max_distance"] = data.NearDuplicateMaxDistance.ToString(CultureInfo.InvariantCulture),
            ["near_duplicate_min_cosine"] = data.NearDuplicateMinCosine.ToString(CultureInfo.InvariantCulture),
            ["feedback_high_water_mark"] = data.FeedbackHighWaterMark.ToString(CultureInfo.InvariantCulture),
        };
        if (training.Kind == HeadKind.Mlp || training.ChooseKindByValidation)
        {
            parameters["hidden_units"] = training.HiddenUnits.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (key, count) in data.Counts)
        {
            parameters[$"count/{key}"] = count.ToString(CultureInfo.InvariantCulture);
        }

        return parameters;
    }

    /// <summary>Scores a few images end to end with the composed model and compares with the managed head.</summary>
    private double SelfCheck(byte[] model, ClassifierHead head, MahalanobisGate? gate, IReadOnlyList<ManifestEntry> entries, IReadOnlyList<float[]> features, WorkDirectory work)
    {
        using var classifier = OnnxClassifier.Load(model, new ScorerOptions { IntraOpThreads = Environment.ProcessorCount });
        var agreement = new HeadAgreement(head);
        for (var i = 0; i < entries.Count; i++)
        {
            var (probabilities, oodScore) = classifier.ClassifyWithOodScore(preprocessor.ToTensor(File.ReadAllBytes(work.Resolve(entries[i].Path))));
            agreement.Compare(probabilities, features[i]);
            if (gate is not null)
            {
                // The in-graph score must be the managed one the thresholds were chosen on (float rounding aside).
                var expected = gate.Score(features[i]);
                if (oodScore is not { } actual || Math.Abs(actual - expected) > 1e-2 * Math.Max(1, Math.Abs(expected)))
                {
                    throw new InvalidOperationException(string.Create(
                        CultureInfo.InvariantCulture,
                        $"The composed model's referral score {oodScore} differs from the fitted gate's {expected:G6}."));
                }
            }
        }

        return agreement.Require("validation images");
    }
}
