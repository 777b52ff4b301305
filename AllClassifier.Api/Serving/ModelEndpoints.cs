using AllClassifier.Api.Errors;
using AllClassifier.Model.Registry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Serving;

public static class ModelEndpoints
{
    public static IEndpointRouteBuilder MapModelEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/model").WithTags("Model");

        group.MapGet("", GetModelCard)
            .WithName("GetModelCard")
            .WithSummary("The model card of the model being served: version, creation time, classes, test metrics and per-class table (snake_case).")
            .Produces<ModelCard>(StatusCodes.Status200OK)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/confusion-matrix.png", GetConfusionMatrix)
            .WithName("GetConfusionMatrix")
            .WithSummary("The test-split confusion matrix picture of the model being served.")
            .Produces(StatusCodes.Status200OK, contentType: "image/png")
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);

        return app;
    }

    private static Results<JsonHttpResult<ModelCard>, JsonHttpResult<ErrorResponse>> GetModelCard(
        ModelHolder holder, IOptions<ModelServingOptions> options, HttpResponse response)
    {
        if (holder.Current is not { } model)
        {
            return ApiError.NoModel(options.Value.NoModelRetryAfterSeconds).ToResult(response);
        }

        // The card's own serializer settings, so the API serves exactly the model.json the trainer wrote.
        return TypedResults.Json(model.Card, ModelCard.JsonOptions);
    }

    private static Results<PhysicalFileHttpResult, JsonHttpResult<ErrorResponse>> GetConfusionMatrix(
        ModelHolder holder, IOptions<ModelServingOptions> options, HttpResponse response)
    {
        if (holder.Current is not { } model)
        {
            return ApiError.NoModel(options.Value.NoModelRetryAfterSeconds).ToResult(response);
        }

        if (!File.Exists(model.ConfusionMatrixPath))
        {
            return new ApiError(StatusCodes.Status404NotFound, ErrorCodes.NoConfusionMatrix, $"model version {model.Version} has no confusion matrix picture")
                .ToResult(response);
        }

        return TypedResults.PhysicalFile(model.ConfusionMatrixPath, "image/png");
    }
}
