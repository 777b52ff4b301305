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

        var (status, code, detail) = exception switch
        {
            // Kestrel's own refusals (body too large, malformed request) keep their 4xx status.
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                (StatusCodes.Status413PayloadTooLarge, ErrorCodes.ImageTooLarge, "the request body is too large"),
            BadHttpRequestException bad when bad.StatusCode is >= 400 and < 500 =>
                (bad.StatusCode, ErrorCodes.MalformedRequest, "bad request"),
            _ => (StatusCodes.Status500InternalServerError, ErrorCodes.ServerError, "server error"),
        };

        if (status >= 500)
        {
            LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
        }

        httpContext.Response.StatusCode = status;
        await httpContext.Response.WriteAsJsonAsync(new ErrorResponse(detail, code), cancellationToken);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "unhandled error in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
