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
            .WithSummary("Makes a registered version the champion, an older one included (a rollback). Needs a key with the admin scope when keys are configured.")
            .WithDescription("404 for an unknown version; 409 while the API follows an MLflow alias instead of the local registry; " +
                "503 with Retry-After while the trainer holds the registry's lock.")
            .Produces<ErrorResponse>(StatusCodes.Status401Unauthorized)
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status409Conflict)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);

        group.MapPost("/newest/promote", PromoteNewest)
            .RequireAuthorization(ApiPolicies.Admin)
            .WithName("PromoteNewestChallenger")
            .WithSummary("Makes the newest registered version the champion when it is newer than the champion; never rolls back.")
            .WithDescription("409 no_newer_challenger when the champion is already the newest version (a rollback needs the " +
                "version named); otherwise as for a named version.")
            .Produces<ErrorResponse>(StatusCodes.Status401Unauthorized)
            .Produces<ErrorResponse>(StatusCodes.Status409Conflict)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);

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
        ILogger<PromotedResponse> logger) =>
        PromoteUnderLock(serving.Value, mlflow.Value, context, logger, registry =>
            registry.TryFind(version) is null
                ? new ApiError(StatusCodes.Status404NotFound, ErrorCodes.NoSuchVersion, $"there is no model version {version}")
                : version);

    private static Results<Ok<PromotedResponse>, JsonHttpResult<ErrorResponse>> PromoteNewest(
        IOptions<ModelServingOptions> serving,
        IOptions<MlflowChampionOptions> mlflow,
        HttpContext context,
        ILogger<PromotedResponse> logger) =>
        PromoteUnderLock(serving.Value, mlflow.Value, context, logger, registry =>
        {
            var champion = registry.ResolveAlias();
            var newest = registry.List().Select(v => (int?)v.Version).Max();
            return newest is { } candidate && (champion is null || candidate > champion)
                ? candidate
                : new ApiError(StatusCodes.Status409Conflict, ErrorCodes.NoNewerChallenger,
                    $"no registered version is newer than champion {champion}; name a version to roll back");
        });

    /// <summary>
    /// Picks the version and moves the alias under the registry's lock, like the trainer's promotion, so the alias
    /// and previous-champion move together and the choice cannot go stale. A trainer may hold the lock for minutes
    /// (it re-measures the champion inside it): after a short wait the answer is 503 with Retry-After.
    /// </summary>
    private static Results<Ok<PromotedResponse>, JsonHttpResult<ErrorResponse>> PromoteUnderLock(
        ModelServingOptions serving,
        MlflowChampionOptions mlflow,
        HttpContext context,
        ILogger logger,
        Func<LocalModelRegistry, Choice> choose)
    {
        if (mlflow.FollowChampion)
        {
            return new ApiError(StatusCodes.Status409Conflict, ErrorCodes.FollowsMlflow, "the served model follows the MLflow alias; promote the version in MLflow")
                .ToResult(context.Response);
        }

        var registry = new LocalModelRegistry(serving.RegistryDirectory);
        (int Version, int? Previous)? promoted;
        ApiError? refusal = null;
        try
        {
            promoted = registry.WithLock<(int, int?)?>(() =>
            {
                var choice = choose(registry);
                if (choice.Error is { } error)
                {
                    refusal = error;
                    return ((int, int?)?)null;
                }

                var current = registry.ResolveAlias();
                registry.SetAlias(choice.Version);
                return (choice.Version, current);
            }, serving.RegistryLockWait);
        }
        catch (RegistryBusyException)
        {
            return new ApiError(StatusCodes.Status503ServiceUnavailable, ErrorCodes.RegistryBusy,
                "the model registry is locked by a training run; retry after the time in Retry-After")
            {
                RetryAfterSeconds = serving.RegistryBusyRetryAfterSeconds,
            }.ToResult(context.Response);
        }

        if (promoted is not { } done)
        {
            return refusal!.ToResult(context.Response);
        }

        LogPromoted(logger, done.Version, done.Previous, CallerName.Of(context) ?? "an unauthenticated caller");
        return TypedResults.Ok(new PromotedResponse(done.Version, done.Previous));
    }

    /// <summary>The version to promote, or why none is.</summary>
    private readonly record struct Choice(int Version, ApiError? Error)
    {
        public static implicit operator Choice(int version) => new(version, null);

        public static implicit operator Choice(ApiError error) => new(0, error);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "model version {Version} promoted to champion (was {Previous}) by {Caller}")]
    private static partial void LogPromoted(ILogger logger, int version, int? previous, string caller);
}
