using System.Diagnostics.Metrics;
using AllClassifier.Api.Serving;

namespace AllClassifier.Api.Telemetry;

/// <summary>
/// Domain metrics. Exported as <c>allclassifier_predictions_total{class}</c>,
/// <c>allclassifier_prediction_confidence</c>, <c>allclassifier_inference_duration_seconds</c>,
/// <c>allclassifier_feedback_total{correct,predicted}</c>, <c>allclassifier_model_version</c>, and the native heap's
/// <c>allclassifier_native_heap_arenas</c> and <c>allclassifier_native_heap_bytes</c> (absent where the C library is not
/// glibc), which tell native growth from the page cache's noise in the resident set.
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
        _predictions.Add(1, new KeyValuePair<string, object?>("class", className));
        _confidence.Record(confidence);
        _inferenceDuration.Record(inferenceSeconds);
    }

    public void RecordFeedback(string correct, string predicted) =>
        _feedback.Add(
            1,
            new KeyValuePair<string, object?>("correct", correct),
            new KeyValuePair<string, object?>("predicted", predicted));
}
