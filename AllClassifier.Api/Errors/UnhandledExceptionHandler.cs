using Microsoft.AspNetCore.Diagnostics;

namespace AllClassifier.Api.Errors;

/// <summary>
/// The last line: anything a handler did not turn into a 4xx is logged with its exception and answered
/// <c>500 {"detail": "server error"}</c>, revealing nothing about the cause to the client.
/// </summary>
internal sealed partial class UnhandledExceptionHandler(ILogger<UnhandledExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client closed the request: there is no one to answer and nothing went wrong on this side.
            httpContext.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
            return true;
        }

        var (status, detail) = exception switch
        {
            // Kestrel's own refusals (body too large, malformed request) keep their 4xx status.
            BadHttpRequestException bad when bad.StatusCode is >= 400 and < 500 =>
                (bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "the request body is too large" : "bad request"),
            _ => (StatusCodes.Status500InternalServerError, "server error"),
        };

        if (status >= 500)
        {
            LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
        }

        httpContext.Response.StatusCode = status;
        await httpContext.Response.WriteAsJsonAsync(new ErrorResponse(detail), cancellationToken);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "unhandled error in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
