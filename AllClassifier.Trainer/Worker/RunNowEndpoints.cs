using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AllClassifier.Trainer.Worker;

/// <summary>An answer of the worker's admin endpoints; errors carry only <c>detail</c>, like the API's.</summary>
public sealed record WorkerAnswer(string Detail);

/// <summary>
/// <c>POST /pipeline/run</c> with the admin key in <c>X-Api-Key</c>: the worker stops waiting (for feedback, or out a
/// backoff pause) and runs the training pipeline now; the run's outcome goes to the worker's log, as any run's does.
/// </summary>
public static partial class RunNowEndpoints
{
    public const string KeyHeader = "X-Api-Key";

    public static IEndpointRouteBuilder MapRunNowEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/pipeline")
            .MapPost("/run", RunNow)
            .WithName("RunPipelineNow")
            .WithSummary("Runs the training pipeline now. 202 when the run is requested, 409 while one is already running, 401 without the admin key.");
        return app;
    }

    private static Results<Accepted<WorkerAnswer>, Conflict<WorkerAnswer>, JsonHttpResult<WorkerAnswer>> RunNow(
        HttpRequest request, IOptions<WorkerAdminOptions> options, RunRequests runs, WorkerStatus status, ILogger<RunRequests> logger)
    {
        if (!KeyMatches(options.Value.ApiKey, request.Headers[KeyHeader].ToString()))
        {
            return TypedResults.Json(new WorkerAnswer($"a valid {KeyHeader} header is required"), statusCode: StatusCodes.Status401Unauthorized);
        }

        if (status.Current.Activity is WorkerActivity.TrainingFirstModel or WorkerActivity.Retraining)
        {
            return TypedResults.Conflict(new WorkerAnswer("a pipeline run is in progress; its result will be in the log"));
        }

        var requestedBy = request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "an admin";
        runs.Request(requestedBy);
        LogRequested(logger, requestedBy);
        return TypedResults.Accepted((string?)null, new WorkerAnswer("a pipeline run starts now; its result will be in the log"));
    }

    // Hashes compared in fixed time: neither the key's content nor its length leaks through timing.
    private static bool KeyMatches(string? configured, string presented) =>
        !string.IsNullOrEmpty(configured)
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(configured)), SHA256.HashData(Encoding.UTF8.GetBytes(presented)));

    [LoggerMessage(Level = LogLevel.Warning, Message = "A pipeline run was requested by {RequestedBy}")]
    private static partial void LogRequested(ILogger logger, string requestedBy);
}
