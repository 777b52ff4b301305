using System.Diagnostics;
using AllClassifier.Api.Decoding;
using AllClassifier.Api.Errors;
using AllClassifier.Api.Explain;
using AllClassifier.Api.Serving;
using AllClassifier.Api.Telemetry;
using AllClassifier.Model;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Referral;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Predict;

/// <summary>What to explain with a prediction: the predicted class, or the one asked for.</summary>
public sealed record ExplainRequest(CellClass? Class = null);

/// <summary>
/// Validates, decodes and scores one uploaded image on the model being served, and on request explains the
/// prediction with a class activation map.
/// </summary>
public sealed class PredictionService(
    GatedImageDecoder decoder,
    ModelHolder holder,
    InferenceGate gate,
    TensorPool tensors,
    ClassifierMetrics metrics,
    IOptions<ModelServingOptions> options)
{
    public async Task<(PredictionResponse? Prediction, ApiError? Error)> PredictAsync(
        byte[] image, ExplainRequest? explain, CancellationToken cancellationToken)
    {
        // The header is checked before waiting for a slot: unusable uploads never queue behind real work.
        var (header, rejection) = decoder.Inspect(image);
        if (rejection is not null)
        {
            return (null, rejection);
        }

        if (holder.Current is null)
        {
            return (null, ApiError.NoModel(options.Value.NoModelRetryAfterSeconds));
        }

        using var slot = await gate.EnterAsync(cancellationToken);
        if (!slot.IsAcquired)
        {
            return (null, ApiError.Busy(options.Value.BusyRetryAfterSeconds));
        }

        if (!holder.TryAcquire(out var lease))
        {
            return (null, ApiError.NoModel(options.Value.NoModelRetryAfterSeconds));
        }

        using (lease)
        {
            var classifier = lease.Model.ClassifierFor(slot.WholeMachine);
            if (explain is not null && lease.Model.Explainer is null)
            {
                return (null, new ApiError(
                    StatusCodes.Status409Conflict,
                    ErrorCodes.NoClassActivationMap,
                    $"the served model (version {lease.Model.Version}) has no class activation map: it was composed before maps existed; models trained since have one"));
            }

            var started = Stopwatch.GetTimestamp();
            var tensor = tensors.Rent();
            try
            {
                var (decoded, error) = await decoder.DecodeResizedAsync(image, header!, cancellationToken);
                if (error is not null)
                {
                    return (null, error);
                }

                using var resized = decoded!;
                ImagePreprocessor.WriteTensor(resized, tensor);
                var viewCount = lease.Model.Card.TestTimeAugmentation;
                var gate = lease.Model.ReferralGate;
                var (probabilities, oodScore) = explain is null || viewCount > 1 ? Classify(classifier, tensor, viewCount) : (null, null);
                if (explain is null)
                {
                    return (Respond(probabilities!, gate, Refer(gate, tensor, header!, oodScore), lease.Model, header!, viewCount, started, explanation: null), null);
                }

                // The map is the image's as it is (the identity view), since it is drawn over that image; the probabilities
                // and the class explained by default are the same test-time average a plain prediction returns (the
                // identity view is scored twice then: explanations are rare and the map needs its own output).
                // The overlay is drawn over the same resized image the tensor is made from.
                var explained = lease.Model.Explainer!.Explain(tensor);
                if (probabilities is null)
                {
                    (probabilities, oodScore) = (explained.Probabilities, explained.OodScore);
                }

                var classIndex = explain.Class is { } requested ? (int)requested : ArgMax(probabilities);
                var map = explained.Map.ForClass(classIndex);
                var explanation = new Explanation(
                    classIndex,
                    CellClasses.Names[classIndex],
                    [.. map.Chunk(explained.Map.Size)],
                    ClassActivationOverlay.RenderPng(resized, map, explained.Map.Size));
                return (Respond(probabilities, gate, Refer(gate, tensor, header!, oodScore), lease.Model, header!, viewCount, started, explanation), null);
            }
            finally
            {
                tensors.Return(tensor);
            }
        }
    }

    /// <summary>
    /// The image's probabilities, averaged over <paramref name="viewCount"/> test-time views: all of them run inside the
    /// caller's inference slot, so one request holds its slot for every pass and the gate still bounds the work.
    /// </summary>
    private (float[] Probabilities, double? OodScore) Classify(OnnxClassifier classifier, float[] tensor, int viewCount)
    {
        if (viewCount == 1)
        {
            return classifier.ClassifyWithOodScore(tensor);
        }

        var view = tensors.Rent();
        try
        {
            return classifier.ClassifyViewsWithOodScore(tensor, viewCount, view);
        }
        finally
        {
            tensors.Return(view);
        }
    }

    /// <summary>
    /// The referral decision: the in-graph score against the card's threshold and the model-free quality checks on the
    /// same tensor the model saw. No gate (or a model that computes no score) refers nothing and says so under /model.
    /// </summary>
    private static ReferralDecision Refer(ReferralGate gate, float[] tensor, ImageHeader header, double? oodScore) =>
        gate.Present && oodScore is { } score
            ? gate.Decide(ImageQuality.Measure(tensor, header.Width, header.Height), score)
            : ReferralDecision.NoGate;

    private PredictionResponse Respond(
        float[] probabilities,
        ReferralGate gate,
        ReferralDecision referral,
        ServedModel model,
        ImageHeader header,
        int viewCount,
        long started,
        Explanation? explanation)
    {
        var predicted = ArgMax(probabilities);
        var className = CellClasses.Names[predicted];
        metrics.RecordPrediction(className, probabilities[predicted], Stopwatch.GetElapsedTime(started).TotalSeconds);
        metrics.RecordReferral(referral, gate);
        return new PredictionResponse(probabilities, predicted, className, model.Version)
        {
            TestTimeViews = viewCount,
            Explanation = explanation,
            ModelSha256 = model.Card.ModelSha256,
            ImageContentType = header.MimeType,
            Refer = referral.Refer,
            ReferReasons = referral.Reasons,
            OodScore = referral.OodScore,
        };
    }

    private static int ArgMax(float[] values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
