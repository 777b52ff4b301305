using System.Diagnostics;
using AllClassifier.Api.Decoding;
using AllClassifier.Api.Errors;
using AllClassifier.Api.Explain;
using AllClassifier.Api.Serving;
using AllClassifier.Api.Telemetry;
using AllClassifier.Model;
using AllClassifier.Model.Imaging;
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
            if (explain is not null && !classifier.HasClassActivationMap)
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
                if (explain is null)
                {
                    return (Respond(classifier.Classify(tensor), lease.Model.Version, started, explanation: null), null);
                }

                // The overlay is drawn over the same resized image the tensor is made from.
                var explained = classifier.Explain(tensor);
                var classIndex = explain.Class is { } requested ? (int)requested : explained.PredictedClass;
                var map = explained.Map.ForClass(classIndex);
                var explanation = new Explanation(
                    classIndex,
                    CellClasses.Names[classIndex],
                    [.. map.Chunk(explained.Map.Size)],
                    ClassActivationOverlay.RenderPng(resized, map, explained.Map.Size));
                return (Respond(explained.Probabilities, lease.Model.Version, started, explanation), null);
            }
            finally
            {
                tensors.Return(tensor);
            }
        }
    }

    private PredictionResponse Respond(float[] probabilities, int version, long started, Explanation? explanation)
    {
        var predicted = ArgMax(probabilities);
        var className = CellClasses.Names[predicted];
        metrics.RecordPrediction(className, probabilities[predicted], Stopwatch.GetElapsedTime(started).TotalSeconds);
        return new PredictionResponse(probabilities, predicted, className, version) { Explanation = explanation };
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
