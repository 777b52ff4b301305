using AllClassifier.Api.Access;
using AllClassifier.Api.Errors;
using AllClassifier.Api.Serving;
using AllClassifier.Model.Registry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Promotion;

/// <summary>One registered version as listed for review.</summary>
public sealed record ModelVersionSummary(int Version, DateTimeOffset Created, double Accuracy, double MacroF1, int? ParentVersion, bool Champion);

public sealed record ModelVersionsResponse(IReadOnlyList<ModelVersionSummary> Versions);

public sealed record PromotedResponse(int Champion, int? Previous);

/// <summary>
/// The registry's versions, and an admin's promotion of a challenger the trainer did not promote itself (its
/// macro-F1 was lower on the shared test split). The API picks the new champion up like any other promotion.
/// </summary>
public static partial class PromotionEndpoints
{
    public static IEndpointRouteBuilder MapPromotionEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/model/versions").WithTags("Model");

        group.MapGet("", ListVersions)
            .AllowAnonymous()
            .WithName("ListModelVersions")
            .WithSummary("Every registered version, newest first, with its test metrics and which one is the champion.");

        group.MapPost("/{version:int}/promote", Promote)
            .RequireAuthorization(ApiPolicies.Admin)
            .WithName("PromoteModelVersion")
            .WithSummary("Makes a registered version the champion. Needs a key with the admin scope when keys are configured.")
            .WithDescription("404 for an unknown version; 409 while the API follows an MLflow alias instead of the local registry.")
            .Produces<ErrorResponse>(StatusCodes.Status401Unauthorized)
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status409Conflict);

        return app;
    }

    private static Ok<ModelVersionsResponse> ListVersions(IOptions<ModelServingOptions> serving)
    {
        var registry = new LocalModelRegistry(serving.Value.RegistryDirectory);
        var champion = registry.ResolveAlias();
        return TypedResults.Ok(new ModelVersionsResponse(
        [
            .. registry.List()
                .OrderByDescending(v => v.Version)
                .Select(v => new ModelVersionSummary(
                    v.Version, v.Card.Created, v.Card.Metrics.Accuracy, v.Card.Metrics.MacroF1, v.Card.ParentVersion, v.Version == champion)),
        ]));
    }

    private static Results<Ok<PromotedResponse>, JsonHttpResult<ErrorResponse>> Promote(
        int version,
        IOptions<ModelServingOptions> serving,
        IOptions<MlflowChampionOptions> mlflow,
        HttpContext context,
        ILogger<PromotedResponse> logger)
    {
        if (mlflow.Value.FollowChampion)
        {
            return new ApiError(StatusCodes.Status409Conflict, ErrorCodes.FollowsMlflow, "the served model follows the MLflow alias; promote the version in MLflow")
                .ToResult(context.Response);
        }

        var registry = new LocalModelRegistry(serving.Value.RegistryDirectory);
        if (registry.TryFind(version) is null)
        {
            return new ApiError(StatusCodes.Status404NotFound, ErrorCodes.NoSuchVersion, $"there is no model version {version}").ToResult(context.Response);
        }

        // Under the registry's lock, like the trainer's promotion: the alias and previous-champion move together.
        var previous = registry.WithLock(() =>
        {
            var current = registry.ResolveAlias();
            registry.SetAlias(version);
            return current;
        });
        LogPromoted(logger, version, previous, CallerName.Of(context) ?? "an unauthenticated caller");
        return TypedResults.Ok(new PromotedResponse(version, previous));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "model version {Version} promoted to champion (was {Previous}) by {Caller}")]
    private static partial void LogPromoted(ILogger logger, int version, int? previous, string caller);
}
