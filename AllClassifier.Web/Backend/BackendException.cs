using System.Net;

namespace AllClassifier.Web.Backend;

/// <summary>What went wrong talking to the API, in terms a user can act on.</summary>
public enum BackendFailure
{
    /// <summary>No answer: the API is down, unreachable or too slow.</summary>
    Unreachable,

    /// <summary>The API answered 503 because no model has been trained yet.</summary>
    NoModel,

    /// <summary>The API answered 503 for another reason, usually because it is at capacity.</summary>
    Busy,

    /// <summary>The API refused the image or the form (400, 415, 422).</summary>
    Rejected,

    /// <summary>The API refused the upload's size (413).</summary>
    TooLarge,

    /// <summary>The API failed or answered something the web app does not understand.</summary>
    Failed,
}

/// <summary>A failed API call. <see cref="Exception.Message"/> is a plain sentence fit to show to the user.</summary>
public sealed class BackendException(BackendFailure failure, string message, HttpStatusCode? statusCode = null, Exception? inner = null)
    : Exception(message, inner)
{
    public BackendFailure Failure { get; } = failure;

    /// <summary>The API's status code, when it answered at all.</summary>
    public HttpStatusCode? StatusCode { get; } = statusCode;

    internal static BackendException Unreachable(Exception inner) => new(
        BackendFailure.Unreachable,
        "The classification service cannot be reached right now. Please try again in a moment.",
        inner: inner);

    internal static BackendException Unreadable(HttpStatusCode statusCode, Exception? inner = null) => new(
        BackendFailure.Failed,
        "The classification service gave an answer that could not be read. Please try again.",
        statusCode,
        inner);

    /// <summary>Turns an error status and the API's <c>detail</c> into a sentence.</summary>
    internal static BackendException FromStatus(HttpStatusCode statusCode, string? detail)
    {
        var reason = AsSentence(detail);
        return statusCode switch
        {
            HttpStatusCode.ServiceUnavailable when detail?.Contains("no model", StringComparison.OrdinalIgnoreCase) == true =>
                new(BackendFailure.NoModel,
                    "No model is available yet: the classifier has not been trained. Please try again later.",
                    statusCode),
            HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests =>
                new(BackendFailure.Busy,
                    "The classification service is busy right now. Please try again in a few seconds.",
                    statusCode),
            HttpStatusCode.RequestEntityTooLarge =>
                new(BackendFailure.TooLarge,
                    reason is null ? "The image is too large for the classifier." : $"The image is too large: {reason}",
                    statusCode),
            HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType or HttpStatusCode.UnprocessableEntity =>
                new(BackendFailure.Rejected,
                    reason is null ? "The image was not accepted." : $"The image was not accepted: {reason}",
                    statusCode),
            HttpStatusCode.NotFound =>
                new(BackendFailure.Failed, "The classification service does not offer this function.", statusCode),
            _ when (int)statusCode >= 500 =>
                new(BackendFailure.Failed,
                    "The classification service failed to process the request. Please try again.",
                    statusCode),
            _ => new(BackendFailure.Failed,
                    reason is null
                        ? "The classification service refused the request."
                        : $"The classification service refused the request: {reason}",
                    statusCode),
        };
    }

    /// <summary>Lower-cases nothing, but makes sure the API's detail reads as the end of a sentence.</summary>
    private static string? AsSentence(string? detail)
    {
        var text = detail?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return text[^1] is '.' or '!' or '?' ? text : text + ".";
    }
}
