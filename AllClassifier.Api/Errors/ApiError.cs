using Microsoft.AspNetCore.Http.HttpResults;

namespace AllClassifier.Api.Errors;

/// <summary>An error answer decided by a handler: a status code, a stable <see cref="ErrorCodes">code</see> and a detail that says what was wrong.</summary>
public sealed record ApiError(int StatusCode, string Code, string Detail)
{
    /// <summary>Seconds a client should wait before retrying, sent as <c>Retry-After</c>.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ApiError NoModel(int retryAfterSeconds) =>
        new(StatusCodes.Status503ServiceUnavailable, ErrorCodes.NoModel, "no model is available yet") { RetryAfterSeconds = retryAfterSeconds };

    public static ApiError Busy(int retryAfterSeconds) =>
        new(StatusCodes.Status503ServiceUnavailable, ErrorCodes.Busy, "the server is busy; retry shortly") { RetryAfterSeconds = retryAfterSeconds };

    public JsonHttpResult<ErrorResponse> ToResult(HttpResponse response)
    {
        if (RetryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return TypedResults.Json(new ErrorResponse(Detail, Code), statusCode: StatusCode);
    }
}
