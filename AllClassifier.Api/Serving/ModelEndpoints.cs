using AllClassifier.Api.Access;
using AllClassifier.Api.Errors;
using AllClassifier.Model.Registry;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Serving;

/// <summary>What the registry's champion is after a reload: the version served and why the champion is not, if it is not.</summary>
public sealed record ReloadedResponse(int? Version, string? Problem);

public static class ModelEndpoints
{
    public static IEndpointRouteBuilder MapModelEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/model").WithTags("Model");

        group.MapGet("", GetModelCard)
            .AllowAnonymous()
            .WithName("GetModelCard")
            .WithSummary("The model card of the model being served: version, creation time, classes, test metrics and per-class table (snake_case); `serving`: the first convolution's form in use on this CPU, why, the CPU features, the warm-up; and `referral_gate`: the out-of-distribution threshold, quality limits and the in-distribution coverage they were chosen for ('present': false for a model without a gate).")
            .Produces<ModelCard>(StatusCodes.Status200OK)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/confusion-matrix.png", GetConfusionMatrix)
            .AllowAnonymous()
            .WithName("GetConfusionMatrix")
            .WithSummary("The test-split confusion matrix picture of the model being served.")
            .Produces(StatusCodes.Status200OK, contentType: "image/png")
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);

        group.MapPost("/reload", Reload)
            .RequireAuthorization(ApiPolicies.Admin)
            .WithName("ReloadModel")
            .WithSummary("Reads the registry's champion now instead of at the next poll, and retries versions refused before. Needs a key with the admin scope when keys are configured.")
            .Produces<ErrorResponse>(StatusCodes.Status401Unauthorized);

        return app;
    }

    private static Results<JsonHttpResult<JsonObject>, JsonHttpResult<ErrorResponse>> GetModelCard(
        ModelHolder holder, IOptions<ModelServingOptions> options, HttpResponse response)
    {
        if (holder.Current is not { } model)
        {
            return ApiError.NoModel(options.Value.NoModelRetryAfterSeconds).ToResult(response);
        }

        // The card's own serializer settings, so the API serves the model.json the trainer wrote, with the referral gate
        // it is served with (an absent one for a model without), plus how this replica serves it (the first
        // convolution's form for its CPU, and why).
        var card = JsonSerializer.SerializeToNode(model.ServedCard, ModelCard.JsonOptions)!.AsObject();
        card["serving"] = JsonSerializer.SerializeToNode(model.Variant, ModelCard.JsonOptions);
        return TypedResults.Json(card, ModelCard.JsonOptions);
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

    private static Ok<ReloadedResponse> Reload(ChampionWatcher watcher, ModelHolder holder)
    {
        watcher.ReloadNow();
        return TypedResults.Ok(new ReloadedResponse(holder.Current?.Version, holder.ChampionProblem));
    }
}
