using System.Diagnostics;
using AllClassifier.Api.Errors;
using AllClassifier.Api.Explain;
using AllClassifier.Api.Serving;
using AllClassifier.Api.Telemetry;
using AllClassifier.Api.Uploads;
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
    ImagePreprocessor preprocessor,
    ModelHolder holder,
    InferenceGate gate,
    TensorPool tensors,
    ClassifierMetrics metrics,
    IOptions<ModelServingOptions> options)
{
    public async Task<(PredictionResponse? Prediction, ApiError? Error)> PredictAsync(
        byte[] image, ExplainRequest? explain, CancellationToken cancellationToken)
    {
        try
        {
            // The header is checked before waiting for a slot: unusable uploads never queue behind real work.
            preprocessor.Inspect(image);
        }
        catch (ImageRejectedException rejection)
        {
            return (null, rejection.ToError());
        }

        if (holder.Current is null)
        {
            return (null, ApiError.NoModel(options.Value.NoModelRetryAfterSeconds));
        }

        using var slot = await gate.EnterAsync(cancellationToken);
        if (!slot.IsAcquired)
        {
            return (null, new ApiError(StatusCodes.Status503ServiceUnavailable, ErrorCodes.Busy, "the server is busy; retry shortly")
            {
                RetryAfterSeconds = options.Value.BusyRetryAfterSeconds,
            });
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
                if (explain is null)
                {
                    preprocessor.WriteInspectedTensor(image, tensor);
                    return (Respond(classifier.Classify(tensor), lease.Model.Version, started, explanation: null), null);
                }

                // The overlay is drawn over the same resized image the tensor is made from.
                using var resized = preprocessor.LoadResized(image);
                ImagePreprocessor.WriteTensor(resized, tensor);
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
            catch (ImageRejectedException rejection)
            {
                return (null, rejection.ToError());
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
