using System.Diagnostics.Metrics;
using AllClassifier.Api.Serving;
using AllClassifier.Model;
using AllClassifier.Model.Referral;

namespace AllClassifier.Api.Telemetry;

/// <summary>
/// Domain metrics. Exported as <c>allclassifier_predictions_total{class}</c>,
/// <c>allclassifier_prediction_confidence</c>, <c>allclassifier_inference_duration_seconds</c>,
/// <c>allclassifier_feedback_total{correct,predicted}</c>, <c>allclassifier_model_version</c>, and the native heap's
/// <c>allclassifier_native_heap_arenas</c> and <c>allclassifier_native_heap_bytes</c> (absent where the C library is not
/// glibc), which tell native growth from the page cache's noise in the resident set. The referral gate adds
/// <c>allclassifier_referred_predictions_total</c>, <c>allclassifier_referral_reasons_total{reason}</c>,
/// <c>allclassifier_ood_score_ratio</c> (score over the served threshold: above 1 is unlike the training images) and
/// <c>allclassifier_class_mix_psi</c>, the population stability index of the last <see cref="ClassMixWindow"/>
/// predicted classes against the card's training mix (absent until <see cref="ClassMixMinimum"/> predictions).
/// </summary>
public sealed class ClassifierMetrics
{
    public const string MeterName = "AllClassifier.Api";

    private static readonly double[] ConfidenceBuckets = [0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0];
    private static readonly double[] InferenceBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5];

    private readonly Counter<long> _predictions;
    private readonly Histogram<double> _confidence;
    private readonly Histogram<double> _inferenceDuration;
    private readonly Counter<long> _feedback;
    private readonly Counter<long> _referred;
    private readonly Counter<long> _referralReasons;
    private readonly Histogram<double> _oodScoreRatio;
    private readonly ClassMixWindow _classMix = new(ClassMixWindow);

    /// <summary>How many recent predictions the class-mix drift gauge compares with the training mix.</summary>
    public const int ClassMixWindow = 500;

    /// <summary>Fewer predictions than this give no gauge: a handful of images says nothing about drift.</summary>
    public const int ClassMixMinimum = 100;

    private static readonly double[] OodRatioBuckets = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, 5, 10];

    public ClassifierMetrics(IMeterFactory meterFactory, ModelHolder holder)
    {
        var meter = meterFactory.Create(MeterName);
        _predictions = meter.CreateCounter<long>("allclassifier_predictions", description: "Predictions served, by predicted class.");
        _confidence = meter.CreateHistogram(
            "allclassifier_prediction_confidence",
            description: "Probability of the predicted class.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ConfidenceBuckets });
        _inferenceDuration = meter.CreateHistogram(
            "allclassifier_inference_duration",
            unit: "s",
            description: "Decode, preprocessing and model inference time of one image.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = InferenceBuckets });
        _feedback = meter.CreateCounter<long>("allclassifier_feedback", description: "Feedback rows stored, by correct and predicted class.");
        _referred = meter.CreateCounter<long>("allclassifier_referred_predictions", description: "Predictions referred to a technologist by the referral gate.");
        _referralReasons = meter.CreateCounter<long>("allclassifier_referral_reasons", description: "Referral reasons given, one per reason of each referred prediction.");
        _oodScoreRatio = meter.CreateHistogram(
            "allclassifier_ood_score_ratio",
            description: "Out-of-distribution score over the served model's threshold (above 1: unlike the training images).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = OodRatioBuckets });
        meter.CreateObservableGauge(
            "allclassifier_class_mix_psi",
            () => holder.Current is { } model && _classMix.PopulationStabilityIndex(model.Card.TrainingClassMix, ClassMixMinimum) is { } psi
                ? [new Measurement<double>(psi)]
                : Array.Empty<Measurement<double>>(),
            description: "Population stability index of the last 500 predicted classes against the training class mix of the served model's card.");
        meter.CreateObservableGauge(
            "allclassifier_model_version",
            () => holder.Current is { } model ? [new Measurement<int>(model.Version)] : Array.Empty<Measurement<int>>(),
            description: "Registry version of the model being served.");
        meter.CreateObservableGauge(
            "allclassifier_native_heap_arenas",
            () => NativeHeap.ArenaCount() is { } arenas ? [new Measurement<int>(arenas)] : Array.Empty<Measurement<int>>(),
            description: "glibc malloc arenas created so far, the main one included (bounded by ModelServing:NativeHeapArenas).");
        meter.CreateObservableGauge(
            "allclassifier_native_heap",
            () => NativeHeap.HeldBytes() is { } bytes ? [new Measurement<long>(bytes)] : Array.Empty<Measurement<long>>(),
            unit: "By",
            description: "Memory glibc's malloc holds from the system: every arena's heap and the blocks in mappings of their own (address space; pages a trim handed back still count).");
    }

    public void RecordPrediction(string className, double confidence, double inferenceSeconds)
    {
        _classMix.Add(className);
        _predictions.Add(1, new KeyValuePair<string, object?>("class", className));
        _confidence.Record(confidence);
        _inferenceDuration.Record(inferenceSeconds);
    }

    /// <summary>Counts a referral and its reasons, and records the score's ratio to the threshold of the gate that judged it.</summary>
    public void RecordReferral(ReferralDecision referral, ReferralGate gate)
    {
        if (referral.Refer)
        {
            _referred.Add(1);
            foreach (var reason in referral.Reasons)
            {
                _referralReasons.Add(1, new KeyValuePair<string, object?>("reason", reason));
            }
        }

        if (referral.OodScore is { } score && gate.Present && gate.OodThreshold > 0)
        {
            _oodScoreRatio.Record(gate.Ratio(score));
        }
    }

    public void RecordFeedback(string correct, string predicted) =>
        _feedback.Add(
            1,
            new KeyValuePair<string, object?>("correct", correct),
            new KeyValuePair<string, object?>("predicted", predicted));
}
