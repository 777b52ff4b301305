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

    /// <summary>The API refused an action on a case or a prediction (unknown, already signed, not ready, expired).</summary>
    Refused,

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

    /// <summary>
    /// Turns an error answer into a sentence: by the API's stable <c>code</c>, or by the status alone when the answer
    /// has none (a proxy, a gateway or another server answered). The <c>detail</c> only supplies the wording.
    /// </summary>
    internal static BackendException FromStatus(HttpStatusCode statusCode, string? code, string? detail)
    {
        var reason = AsSentence(detail);
        return (code, statusCode) switch
        {
            (ApiErrorCodes.NoModel, _) =>
                new(BackendFailure.NoModel,
                    "No model is available yet: the classifier has not been trained. Please try again later.",
                    statusCode),
            (ApiErrorCodes.Busy or ApiErrorCodes.RateLimited, _) or (null, HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests) =>
                new(BackendFailure.Busy,
                    "The classification service is busy right now. Please try again in a few seconds.",
                    statusCode),
            (ApiErrorCodes.ImageTooLarge, _) or (null, HttpStatusCode.RequestEntityTooLarge) =>
                new(BackendFailure.TooLarge,
                    reason is null ? "The image is too large for the classifier." : $"The image is too large: {reason}",
                    statusCode),
            (ApiErrorCodes.UnknownCase, _) =>
                new(BackendFailure.Refused, "There is no case with this identifier.", statusCode),
            (ApiErrorCodes.UnknownImage, _) =>
                new(BackendFailure.Refused, "This case has no such image.", statusCode),
            (ApiErrorCodes.CaseExists, _) =>
                new(BackendFailure.Refused,
                    "An open case with this accession already exists: open it from the list of cases.", statusCode),
            (ApiErrorCodes.CaseSigned, _) =>
                new(BackendFailure.Refused, "This case is signed: it can no longer be changed.", statusCode),
            (ApiErrorCodes.CaseUnreviewed, _) =>
                new(BackendFailure.Refused,
                    reason is null
                        ? "The case cannot be signed yet: every image needs a review first."
                        : $"The case cannot be signed yet: {reason}",
                    statusCode),
            (ApiErrorCodes.CaseEmpty, _) =>
                new(BackendFailure.Refused, "The case has no images yet: add images before signing it.", statusCode),
            (_, HttpStatusCode.Gone) =>
                new(BackendFailure.Refused,
                    "This image is no longer available for a correction. Please upload it again.", statusCode),
            _ when IsRejection(code, statusCode) =>
                new(BackendFailure.Rejected,
                    reason is null ? "The image was not accepted." : $"The image was not accepted: {reason}",
                    statusCode),
            (_, HttpStatusCode.NotFound) =>
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

    private static bool IsRejection(string? code, HttpStatusCode statusCode) => code is null
        ? statusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType or HttpStatusCode.UnprocessableEntity
        : ApiErrorCodes.Rejections.Contains(code);

    /// <summary>Makes the API's detail read as the end of a sentence that follows a colon.</summary>
    private static string? AsSentence(string? detail)
    {
        var text = detail?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        // "The file is ..." becomes "the file is ..."; acronyms such as "JPEG ..." keep their case.
        if (text.Length > 1 && char.IsUpper(text[0]) && char.IsLower(text[1]))
        {
            text = char.ToLowerInvariant(text[0]) + text[1..];
        }

        return text[^1] is '.' or '!' or '?' ? text : text + ".";
    }
}
