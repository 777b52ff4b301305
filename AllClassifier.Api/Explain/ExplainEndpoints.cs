using AllClassifier.Api.Access;
using AllClassifier.Api.Audit;
using AllClassifier.Api.Errors;
using AllClassifier.Api.Predict;
using AllClassifier.Api.Uploads;
using AllClassifier.Model;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AllClassifier.Api.Explain;

public static class ExplainEndpoints
{
    public const string ClassField = "class";
    public const string ExplainedClassHeader = "X-Explained-Class";
    public const string PredictedClassHeader = "X-Predicted-Class";
    public const string PredictionIdHeader = "X-Prediction-Id";
    public const string ReferHeader = "X-Refer";
    public const string ReferReasonsHeader = "X-Refer-Reasons";
    public const string OodScoreHeader = "X-Ood-Score";

    public static IEndpointRouteBuilder MapExplainEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/explain")
            .WithTags("Prediction")
            .MapPost("", Explain)
            .RequireAuthorization(ApiPolicies.Predict)
            .WithName("Explain")
            .WithSummary("Shows where in the image the model found the evidence for a class: a PNG heat map over the input.")
            .WithDescription(
                "Multipart part 'file' (as for /predict) and optional field 'class' (Benign, Early, Pre, Pro, any case, or 0-3; " +
                "default: the predicted class). Answers image/png: the 224x224 model input with the class's activation map " +
                "(7x7, upsampled bilinearly) in the viridis colour map, alpha-blended over it; yellow marks the strongest " +
                "evidence for the class in this image, dark purple the weakest (colours are scaled per image). Headers " +
                $"{ExplainedClassHeader} and {PredictedClassHeader} name the classes, {PredictionIdHeader} the prediction's audit record; " +
                $"{ReferHeader} (true|false), {ReferReasonsHeader} (comma-separated reason codes, empty when not referred) and " +
                $"{OodScoreHeader} (absent without a gate) carry the referral gate's decision as /predict's refer, refer_reasons and " +
                "ood_score do. The map is exact for a linear head (its mean " +
                "plus the bias is the class's logit) but coarse: one cell covers 32x32 pixels. It shows what the model relied " +
                "on, which is evidence to check, not a diagnosis. Errors: as /predict, plus 409 when the served model has no " +
                "map and 422 for an unknown class; 401 without a valid X-Api-Key when Auth:RequireKeyForPredict is set.")
            .Accepts<ExplainForm>("multipart/form-data")
            .ProducesUploadErrors()
            .Produces<byte[]>(StatusCodes.Status200OK, "image/png")
            .Produces<ErrorResponse>(StatusCodes.Status401Unauthorized)
            .Produces<ErrorResponse>(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<Results<FileContentHttpResult, JsonHttpResult<ErrorResponse>>> Explain(
        HttpRequest request,
        MultipartUploadReader reader,
        PredictionService predictions,
        PredictionRecorder recorder,
        CancellationToken cancellationToken)
    {
        var response = request.HttpContext.Response;
        var (upload, uploadError) = await reader.ReadAsync(request, [], cancellationToken);
        if (uploadError is not null)
        {
            return uploadError.ToResult(response);
        }

        CellClass? requested = null;
        if (upload!.Fields.TryGetValue(ClassField, out var classText))
        {
            if (!CellClasses.TryParse(classText, out var parsed))
            {
                return new ApiError(
                    StatusCodes.Status422UnprocessableEntity,
                    ErrorCodes.UnknownLabel,
                    $"'{ClassField}' is '{classText}', which is not a class; expected one of {string.Join(", ", CellClasses.Names)} (any case) or an index 0-3").ToResult(response);
            }

            requested = parsed;
        }

        var (prediction, error) = await predictions.PredictAsync(upload.File, new ExplainRequest(requested), cancellationToken);
        if (error is not null)
        {
            return error.ToResult(response);
        }

        var (predictionId, recordError) = await recorder.TryRecordAsync(
            request.HttpContext, prediction!, upload, PredictionSources.Explain, heatmapShown: true, cancellationToken);
        if (recordError is not null)
        {
            return recordError.ToResult(response);
        }

        response.Headers[PredictionIdHeader] = predictionId;
        response.Headers[ExplainedClassHeader] = prediction!.Explanation!.ClassName;
        response.Headers[PredictedClassHeader] = prediction.ClassName;
        response.Headers[ReferHeader] = prediction.Refer ? "true" : "false";
        response.Headers[ReferReasonsHeader] = string.Join(',', prediction.ReferReasons);
        if (prediction.OodScore is { } oodScore)
        {
            response.Headers[OodScoreHeader] = oodScore.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        }
        return TypedResults.File(prediction.Explanation.OverlayPng, "image/png");
    }
}

/// <summary>The multipart form of <c>POST /explain</c>, as documented in OpenAPI.</summary>
public sealed class ExplainForm
{
    /// <summary>The image: JPEG, PNG or BMP.</summary>
    public required IFormFile File { get; init; }

    /// <summary>The class to explain (name or index); the predicted class when absent.</summary>
    public string? Class { get; init; }
}
