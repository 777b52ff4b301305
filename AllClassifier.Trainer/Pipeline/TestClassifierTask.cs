using System.Diagnostics;
using System.Globalization;
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
using AllClassifier.Training.Quantization;
using AllClassifier.Training.Referral;

namespace AllClassifier.Trainer.Pipeline;

/// <summary>The served candidate's accuracy on the test split under one acquisition shift, and the drop from unshifted.</summary>
public sealed record ShiftResult(string Shift, double Accuracy, double Drop);

/// <summary>
/// The served INT8 model with its first convolution in one form, scored end to end (image bytes → composed model) on
/// the whole test split. <paramref name="Kernels"/> is <c>fused</c> (as it serves on this CPU) or <c>reference</c>
/// (node by node, the exact integer arithmetic: the int8 form on a CPU without VNNI, where fused it would overflow).
/// <paramref name="Drop"/> is the accuracy below the served candidate's (managed head on cached features).
/// </summary>
public sealed record FirstConvolutionFormResult(string Form, string Kernels, double Accuracy, double MacroF1, double Drop);

/// <summary>A registered version's results on the same test split as the candidate.</summary>
public sealed record ChampionResult(int Version, EvaluationMetrics Metrics);

/// <summary>test_classifier's report (<c>runs/&lt;run_id&gt;/metrics.json</c>).</summary>
public sealed record TestReport
{
    public required string RunId { get; init; }

    public required string TestSplitHash { get; init; }

    public required EvaluationMetrics Metrics { get; init; }

    /// <summary>The champion at test time, measured on this run's test split; null when there was none.</summary>
    public ChampionResult? Champion { get; init; }

    /// <summary>Test images scored end to end (image bytes → composed ONNX model) for the latency figure.</summary>
    public int LatencySampleSize { get; init; }

    /// <summary>Largest probability difference between that end-to-end scoring and the managed head.</summary>
    public double EndToEndMaxDifference { get; init; }

    /// <summary>The candidate served (<see cref="BackbonePrecision"/>): INT8 when it was built and passed the accuracy check.</summary>
    public string Precision { get; init; } = BackbonePrecision.Fp32;

    public double? Fp32MacroF1 { get; init; }

    /// <summary>The INT8 candidate's macro-F1 on the same split; null when the run built none.</summary>
    public double? Int8MacroF1 { get; init; }

    /// <summary>The served candidate under each evaluation shift; empty unless asked for.</summary>
    public IReadOnlyList<ShiftResult> AcquisitionShifts { get; init; } = [];

    /// <summary>The largest accuracy drop under any evaluation shift; null unless shifts were evaluated.</summary>
    public double? WorstShiftDrop { get; init; }

    /// <summary>The served INT8 model in each form of its first convolution the file carries; empty for fp32.</summary>
    public IReadOnlyList<FirstConvolutionFormResult> FirstConvolutionForms { get; init; } = [];

    /// <summary>
    /// The dihedral views whose probabilities every figure above averages, as the API will with this card's
    /// test-time augmentation; 1 (the image alone) in reports written before it.
    /// </summary>
    public int TestTimeViews { get; init; } = 1;

    /// <summary>
    /// The served candidate's referral gate with its figures on this test split filled in
    /// (<see cref="ReferralGate.TestReferralRate"/>); null for a run without a gate.
    /// </summary>
    public ReferralGate? ReferralGate { get; init; }

    /// <summary>Accuracy on the test images the gate does not refer; null without a gate.</summary>
    public double? AcceptedAccuracy { get; init; }

    /// <summary>
    /// The gate on the images staff marked not assessable, the champion's beside it; null without a gate or such rows.
    /// </summary>
    public NotAssessableResult? NotAssessable { get; init; }
}

/// <summary>
/// test_classifier: the run's metrics on the test split (accuracy, macro-F1, per-class precision/recall/F1, confusion
/// matrix as JSON and PNG, expected calibration error with and without the run's temperature and the reliability bins), the mean end-to-end latency per image of the composed model, and the current champion's
/// metrics on the same split so register_model can compare like with like. With test-time augmentation every figure
/// averages the probabilities of the chosen dihedral views, as the API will serve them, and the latency covers every pass.
/// </summary>
public sealed class TestClassifierTask(
    ImagePreprocessor preprocessor, ModelEvaluator evaluator, NotAssessableCheck notAssessableCheck, IExperimentTracker tracker) : IPipelineTask
{

    public string Id => PipelineTaskIds.TestClassifier;

    public async Task<string> ExecuteAsync(PipelineOptions options, IPipelineReporter reporter, CancellationToken cancellationToken)
    {
        var work = new WorkDirectory(options.WorkDirectory);
        var (runId, files, run) = work.OpenTrainedRun(options.RunId);
        var runDirectory = files.Directory;
        var test = ManifestFile.Read(files.ManifestCopy(work.TestManifest));
        if (test.Count == 0)
        {
            throw new InvalidOperationException("The test split is empty; the dataset is too small to evaluate.");
        }

        var actual = test.Select(entry => (int)entry.Class).ToList();
        var layout = run.Layout;
        var views = DihedralView.TestTimeViews(options.TestTimeViews);
        ClassifierHead? head = null;
        IReadOnlyList<IReadOnlyList<float[]>>? features = null;
        IReadOnlyList<float[]>? probabilities = null;
        int[]? predicted = null;
        double? fp32MacroF1 = null;
        double? int8MacroF1 = null;
        var precision = BackbonePrecision.Fp32;
        ActivationRanges? servedInt8Backbone = null;
        if (run.HasFp32Candidate)
        {
            head = HeadFile.Load(files.Head);
            features = evaluator.ViewFeatures(work, test, views, reporter, cancellationToken, layout: layout);
            probabilities = ModelEvaluator.MeanProbabilities(head, features);
            predicted = ModelEvaluator.Predict(probabilities);
            fp32MacroF1 = EvaluationMetrics.FromPredictions(actual, predicted).MacroF1;
        }

        if (run.HasInt8Candidate)
        {
            var ranges = WorkDirectory.ReadJson<ActivationRanges>(files.Int8Calibration);
            var int8Head = HeadFile.Load(files.Int8Head);
            var int8Features = evaluator.ViewFeatures(work, test, views, reporter, cancellationToken, ranges, layout: layout);
            var int8Probabilities = ModelEvaluator.MeanProbabilities(int8Head, int8Features);
            var int8Predicted = ModelEvaluator.Predict(int8Probabilities);
            int8MacroF1 = EvaluationMetrics.FromPredictions(actual, int8Predicted).MacroF1;
            if (fp32MacroF1 is not { } reference || options.Int8.Accepts(reference, int8MacroF1.Value))
            {
                (precision, head, features, probabilities, predicted, servedInt8Backbone) =
                    (BackbonePrecision.Int8, int8Head, int8Features, int8Probabilities, int8Predicted, ranges);
            }

            reporter.Info(fp32MacroF1 is { } fp32
                ? string.Create(
                    CultureInfo.InvariantCulture,
                    $"macro-F1 fp32 {fp32:F4}, INT8 {int8MacroF1:F4} (allowed drop {options.Int8.MaxMacroF1Drop:F4}): serving {precision}")
                : string.Create(CultureInfo.InvariantCulture, $"macro-F1 INT8 {int8MacroF1:F4}: serving {precision} (no fp32 model trained to compare)"));
        }

        if (head is null || features is null || probabilities is null || predicted is null)
        {
            throw new InvalidDataException($"Run {runId} has no trained model to test.");
        }

        var (referralGate, acceptedAccuracy) = MeasureReferralGate(files, precision, test, features[0], actual, predicted, work);
        var (servedModel, _) = files.Served(precision);
        var (latency, sample, difference) = MeasureEndToEnd(servedModel, head, test, probabilities, views.Count, work, options.LatencySampleSize, reporter);
        var servedAccuracy = EvaluationMetrics.FromPredictions(actual, predicted).Accuracy;
        var forms = precision == BackbonePrecision.Int8
            ? EvaluateFirstConvolutionForms(servedModel, test, actual, servedAccuracy, views.Count, work, reporter)
            : [];

        var temperature = precision == BackbonePrecision.Int8 ? run.Int8Temperature : run.Temperature;
        var metrics = EvaluationMetrics.FromPredictions(actual, predicted, latency) with
        {
            Calibration = ModelEvaluator.Calibration(head, temperature, actual, features),
        };
        // Every shift's features in one extraction: each test image is decoded once for all shifts.
        var shiftedFeatures = options.EvaluateAcquisitionShifts
            ? evaluator.ShiftedViewFeatures(work, test, views, AcquisitionShift.Evaluation, reporter, cancellationToken, servedInt8Backbone, layout)
            : [];
        var shifts = AcquisitionShift.Evaluation.Take(shiftedFeatures.Count).Select((shift, s) =>
        {
            var shifted = ModelEvaluator.Predict(ModelEvaluator.MeanProbabilities(head, shiftedFeatures[s]));
            var accuracy = EvaluationMetrics.FromPredictions(actual, shifted).Accuracy;
            return new ShiftResult(shift.Key, accuracy, metrics.Accuracy - accuracy);
        }).ToList();
        var registry = new LocalModelRegistry(options.RegistryDirectory);
        var championVersion = registry.Champion();
        var champion = championVersion is { } version
            ? new ChampionResult(version.Version, evaluator.Evaluate(version, work, test, features[0], cancellationToken))
            : null;
        var notAssessable = referralGate is { Present: true }
            ? await notAssessableCheck.MeasureAsync(
                options,
                servedModel,
                referralGate,
                championVersion is { Card.ReferralGate: { } championGate } gated ? (gated.Version, gated.ModelPath, championGate) : null,
                reporter,
                cancellationToken)
            : null;
        if (notAssessable is not null)
        {
            referralGate = referralGate! with { NotAssessableCount = notAssessable.Count, NotAssessableReferralRate = notAssessable.ReferralRate };
        }

        var chartPath = files.ConfusionMatrix;
        await File.WriteAllBytesAsync(chartPath, ConfusionMatrixChart.RenderPng(metrics, $"Confusion matrix · run {runId} ({run.Head} head)"), cancellationToken);
        var report = new TestReport
        {
            RunId = runId,
            TestSplitHash = run.Data.TestSplitHash,
            Metrics = metrics,
            Champion = champion,
            LatencySampleSize = sample,
            EndToEndMaxDifference = difference,
            Precision = precision,
            Fp32MacroF1 = fp32MacroF1,
            Int8MacroF1 = int8MacroF1,
            AcquisitionShifts = shifts,
            WorstShiftDrop = shifts.Count > 0 ? shifts.Max(shift => shift.Drop) : null,
            TestTimeViews = views.Count,
            FirstConvolutionForms = forms,
            ReferralGate = referralGate,
            AcceptedAccuracy = acceptedAccuracy,
            NotAssessable = notAssessable,
        };
        var metricsPath = files.Metrics;
        WorkDirectory.WriteJson(metricsPath, report);

        await tracker.LogMetricsAsync(
            runId,
            runDirectory,
            [
                new TrackedMetric("test_accuracy", metrics.Accuracy, 0),
                new TrackedMetric("test_macro_f1", metrics.MacroF1, 0),
                new TrackedMetric("test_mean_latency_ms", metrics.MeanLatencyMs, 0),
                .. fp32MacroF1 is { } fp32F1 ? [new TrackedMetric("test_fp32_macro_f1", fp32F1, 0)] : Array.Empty<TrackedMetric>(),
                .. int8MacroF1 is { } int8F1 ? [new TrackedMetric("test_int8_macro_f1", int8F1, 0)] : Array.Empty<TrackedMetric>(),
                new TrackedMetric("test_ece", metrics.Calibration.ExpectedCalibrationError, 0),
                .. notAssessable is { } na ? [new TrackedMetric("test_not_assessable_referral_rate", na.ReferralRate, 0)] : Array.Empty<TrackedMetric>(),
                new TrackedMetric("test_ece_uncalibrated", metrics.Calibration.UncalibratedExpectedCalibrationError, 0),
                .. report.WorstShiftDrop is { } worstDrop ? [new TrackedMetric("test_shift_worst_drop", worstDrop, 0)] : Array.Empty<TrackedMetric>(),
                .. metrics.PerClass.Select(c => new TrackedMetric($"test_f1_{c.Class}", c.F1, 0)),
                .. forms.Select(f => new TrackedMetric($"test_accuracy_first_conv_{f.Form}", f.Accuracy, 0)),
            ],
            cancellationToken);
        await tracker.LogArtifactsAsync(
            runId,
            runDirectory,
            [
                new TrackedArtifact(chartPath, LocalModelRegistry.ConfusionMatrixFileName),
                new TrackedArtifact(metricsPath, RunFiles.MetricsFileName),
                // The tracked model folder holds what is served: the INT8 candidate replaces the fp32 one logged at training.
                .. precision == BackbonePrecision.Int8
                    ? [new TrackedArtifact(files.Int8Model, $"model/{RunFiles.ModelFileName}"), new TrackedArtifact(files.Int8Head, $"model/{HeadFile.FileName}")]
                    : Array.Empty<TrackedArtifact>(),
            ],
            cancellationToken);

        var viewsText = views.Count == 1 ? "" : $" (mean of {views.Count} views)";
        var referralText = referralGate is { TestReferralRate: { } referredShare }
            ? string.Create(CultureInfo.InvariantCulture, $"; referral gate refers {referredShare:P1} (stated {1 - referralGate.Coverage:P1}), accuracy on the rest {acceptedAccuracy:P2}")
            : "; no referral gate";
        referralText += notAssessable is { } staff
            ? string.Create(
                CultureInfo.InvariantCulture,
                $"; refers {staff.Referred} of {staff.Count} images staff marked not assessable")
                + (staff.ChampionReferred is { } byChampion ? $" (champion v{staff.ChampionVersion}: {byChampion})" : "")
            : "";
        var championText = champion is null
            ? "no champion yet"
            : string.Create(CultureInfo.InvariantCulture, $"champion v{champion.Version} macro-F1 {champion.Metrics.MacroF1:F3} on the same split");
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{precision}{viewsText}: accuracy {metrics.Accuracy:P1}, macro-F1 {metrics.MacroF1:F3} on {metrics.TestCount} test images; ECE {metrics.Calibration.ExpectedCalibrationError:F3} (uncalibrated {metrics.Calibration.UncalibratedExpectedCalibrationError:F3}); {latency:F1} ms/image end to end{referralText}; {championText}");
    }

    /// <summary>
    /// The served candidate's referral gate on the test split: its score from the test features (the image as it is),
    /// its quality checks from the images, and the accuracy on the images it lets through.
    /// </summary>
    private (ReferralGate? Gate, double? AcceptedAccuracy) MeasureReferralGate(
        RunFiles files,
        string precision,
        IReadOnlyList<ManifestEntry> test,
        IReadOnlyList<float[]> identityFeatures,
        IReadOnlyList<int> actual,
        IReadOnlyList<int> predicted,
        WorkDirectory work)
    {
        var (cardPath, parametersPath) = files.ReferralGate(precision);
        if (!File.Exists(cardPath) || !File.Exists(parametersPath))
        {
            return (null, null);
        }

        var card = WorkDirectory.ReadJson<ReferralGate>(cardPath);
        var gate = MahalanobisGate.Load(parametersPath);
        var (referred, accepted, acceptedCorrect) = (0, 0, 0);
        for (var i = 0; i < test.Count; i++)
        {
            var bytes = File.ReadAllBytes(work.Resolve(test[i].Path));
            var header = preprocessor.Inspect(bytes);
            var tensor = new float[ImagePreprocessor.TensorLength];
            preprocessor.WriteInspectedTensor(bytes, tensor);
            var decision = card.Decide(ImageQuality.Measure(tensor, header.Width, header.Height), gate.Score(identityFeatures[i]));
            if (decision.Refer)
            {
                referred++;
            }
            else
            {
                accepted++;
                acceptedCorrect += actual[i] == predicted[i] ? 1 : 0;
            }
        }

        return (
            card with { TestReferralRate = (double)referred / test.Count, TestCount = test.Count },
            accepted == 0 ? null : (double)acceptedCorrect / accepted);
    }

    /// <summary>
    /// Every first-convolution form the served file carries, scored on the whole test split as the API would serve it
    /// (<see cref="ServingGraph.Prepare"/>), so each CPU family's variant is held to the same accuracy.
    /// </summary>
    private List<FirstConvolutionFormResult> EvaluateFirstConvolutionForms(
        string modelPath, IReadOnlyList<ManifestEntry> test, IReadOnlyList<int> actual, double servedAccuracy, int viewCount, WorkDirectory work, IPipelineReporter reporter)
    {
        var model = File.ReadAllBytes(modelPath);
        var outputs = ServingGraph.Outputs(model).Where(o => o != ClassifierModelFile.ClassActivationMapName).ToList();
        var results = new List<FirstConvolutionFormResult>();
        var viewBuffer = new float[ImagePreprocessor.TensorLength];
        foreach (var form in ServingGraph.Forms(model))
        {
            var reference = form == FirstConvolutionForm.Int8 && !CpuFeatures.Current.HasVnni;
            using var classifier = OnnxClassifier.Load(
                ServingGraph.Prepare(model, form, outputs),
                new ScorerOptions { IntraOpThreads = Environment.ProcessorCount, ReferenceKernels = reference });
            var predicted = reporter.WithProgress($"Test split, first convolution {form}", test.Count, progress =>
            {
                var predicted = new int[test.Count];
                for (var i = 0; i < test.Count; i++)
                {
                    var tensor = preprocessor.ToTensor(File.ReadAllBytes(work.Resolve(test[i].Path)));
                    predicted[i] = ModelEvaluator.Predict([classifier.ClassifyViews(tensor, viewCount, viewBuffer)])[0];
                    progress.Report(i + 1);
                }

                return predicted;
            });
            var metrics = EvaluationMetrics.FromPredictions(actual, predicted);
            results.Add(new FirstConvolutionFormResult(
                form, reference ? "reference" : "fused", metrics.Accuracy, metrics.MacroF1, servedAccuracy - metrics.Accuracy));
        }

        reporter.Info(string.Join("; ", results.Select(r => string.Create(
            CultureInfo.InvariantCulture,
            $"first convolution {r.Form} ({r.Kernels} kernels, CPU {CpuFeatures.Current}): accuracy {r.Accuracy:P2}, macro-F1 {r.MacroF1:F4}, {r.Drop * 100:+0.00;-0.00} pt below the candidate"))));
        return results;
    }

    private (double MeanLatencyMs, int Sample, double MaxDifference) MeasureEndToEnd(
        string modelPath,
        ClassifierHead head,
        IReadOnlyList<ManifestEntry> test,
        IReadOnlyList<float[]> managedProbabilities,
        int viewCount,
        WorkDirectory work,
        int sampleSize,
        IPipelineReporter reporter)
    {
        var count = Math.Min(Math.Max(1, sampleSize), test.Count);
        using var classifier = OnnxClassifier.Load(modelPath, new ScorerOptions { IntraOpThreads = Environment.ProcessorCount });
        var images = test.Take(count).Select(entry => File.ReadAllBytes(work.Resolve(entry.Path))).ToList();

        var viewBuffer = new float[ImagePreprocessor.TensorLength];

        // One unmeasured call: the first run of a session allocates its buffers.
        classifier.Classify(preprocessor.ToTensor(images[0]));
        var agreement = new HeadAgreement(head);
        var elapsed = TimeSpan.Zero;
        reporter.WithProgress("Measuring end-to-end latency", count, progress =>
        {
            for (var i = 0; i < count; i++)
            {
                var start = Stopwatch.GetTimestamp();
                var probabilities = classifier.ClassifyViews(preprocessor.ToTensor(images[i]), viewCount, viewBuffer);
                elapsed += Stopwatch.GetElapsedTime(start);
                agreement.CompareProbabilities(probabilities, managedProbabilities[i]);

                progress.Report(i + 1);
            }

            return count;
        });
        return (elapsed.TotalMilliseconds / count, count, agreement.Require("test images"));
    }
}
