using System.Diagnostics;
using AllClassifier.Api.Decoding;
using AllClassifier.Api.Errors;
using AllClassifier.Api.Models;
using AllClassifier.Api.Telemetry;
using AllClassifier.Model;
using AllClassifier.Model.Imaging;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Predict;

/// <summary>Validates, decodes and scores one uploaded image on the model being served.</summary>
public sealed class PredictionService(
    GatedImageDecoder decoder,
    ModelHolder holder,
    InferenceGate gate,
    TensorPool tensors,
    ClassifierMetrics metrics,
    IOptions<ModelServingOptions> options)
{
    public async Task<(PredictionResponse? Prediction, ApiError? Error)> PredictAsync(byte[] image, CancellationToken cancellationToken)
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
            var started = Stopwatch.GetTimestamp();
            var tensor = tensors.Rent();
            float[] probabilities;
            try
            {
                var (resized, error) = await decoder.DecodeResizedAsync(image, header!, cancellationToken);
                if (error is not null)
                {
                    return (null, error);
                }

                using (resized)
                {
                    ImagePreprocessor.WriteTensor(resized!, tensor);
                }

                probabilities = lease.Model.Classifier.Score(tensor).Probabilities;
            }
            finally
            {
                tensors.Return(tensor);
            }

            var predicted = ArgMax(probabilities);
            var className = CellClasses.Names[predicted];
            metrics.RecordPrediction(className, probabilities[predicted], Stopwatch.GetElapsedTime(started).TotalSeconds);
            return (new PredictionResponse(probabilities, predicted, className, lease.Model.Version), null);
        }
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
