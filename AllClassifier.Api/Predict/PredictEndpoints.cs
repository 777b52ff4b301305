using AllClassifier.Api.Access;
using AllClassifier.Api.Audit;
using AllClassifier.Api.Errors;
using AllClassifier.Api.Uploads;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AllClassifier.Api.Predict;

public static class PredictEndpoints
{
    public static IHostApplicationBuilder AddPrediction(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<InferenceGate>();
        builder.Services.AddSingleton<TensorPool>();
        builder.Services.AddSingleton<PredictionService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapPredictEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/predict")
            .WithTags("Prediction")
            .MapPost("", Predict)
            .RequireAuthorization(ApiPolicies.Predict)
            .WithName("Predict")
            .WithSummary("Classifies one smear image (multipart part 'file': JPEG, PNG or BMP) into Benign, Early, Pre or Pro.")
            .WithDescription(
                "Answers the four class probabilities in index order (Benign, Early, Pre, Pro), the index of the most likely " +
                "class, its name and the model version. With explain=true the answer also carries 'explanation': the predicted " +
                "class's 7x7 class activation map ('map', rows top to bottom, each cell 32x32 pixels of the 224x224 input) and " +
                "'overlay_png', that map drawn over the input (base64 PNG, as POST /explain returns it); a model without a map " +
                "answers 409. Errors: 400 malformed multipart body; 413 body over the upload limit; " +
                "415 body not multipart/form-data or file not a JPEG/PNG/BMP; 422 missing 'file', empty, corrupt or truncated image, or dimensions out of bounds " +
                "(refused from the header, before decoding); 503 no model yet or inference queue full (with Retry-After); 401 no valid " +
                "X-Api-Key when Auth:RequireKeyForPredict is set; 429 rate limit reached (with Retry-After).")
            .Accepts<PredictForm>("multipart/form-data")
            .ProducesUploadErrors()
            .Produces<ErrorResponse>(StatusCodes.Status401Unauthorized)
            .Produces<ErrorResponse>(StatusCodes.Status409Conflict)
            .Produces<ErrorResponse>(StatusCodes.Status429TooManyRequests);
        return app;
    }

    private static async Task<Results<Ok<PredictionResponse>, JsonHttpResult<ErrorResponse>>> Predict(
        HttpRequest request,
        MultipartUploadReader reader,
        PredictionService predictions,
        PredictionRecorder recorder,
        CancellationToken cancellationToken,
        [FromQuery] bool explain = false)
    {
        var (upload, uploadError) = await reader.ReadAsync(request, [], cancellationToken);
        if (uploadError is not null)
        {
            return uploadError.ToResult(request.HttpContext.Response);
        }

        var (prediction, error) = await predictions.PredictAsync(upload!.File, explain ? new ExplainRequest() : null, cancellationToken);
        if (error is not null)
        {
            return error.ToResult(request.HttpContext.Response);
        }

        var (predictionId, recordError) = await recorder.TryRecordAsync(
            request.HttpContext, prediction!, upload, PredictionSources.Predict, heatmapShown: explain, cancellationToken);
        return recordError is not null
            ? recordError.ToResult(request.HttpContext.Response)
            : TypedResults.Ok(prediction! with { PredictionId = predictionId });
    }
}

/// <summary>The multipart form of <c>POST /predict</c>, as documented in OpenAPI.</summary>
public sealed class PredictForm
{
    /// <summary>The image: JPEG, PNG or BMP.</summary>
    public required IFormFile File { get; init; }
}
