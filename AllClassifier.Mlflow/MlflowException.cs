using System.Net;

namespace AllClassifier.Mlflow;

/// <summary>
/// A failed MLflow call, in one line that names the request and MLflow's <c>error_code</c>, e.g.
/// <c>MLflow POST http://mlflow:5000/api/2.0/mlflow/runs/create answered 404 RESOURCE_DOES_NOT_EXIST: No Experiment with id=7 exists</c>.
/// </summary>
public sealed class MlflowException : Exception
{
    public MlflowException(string method, Uri requestUri, HttpStatusCode? statusCode, string? errorCode, string detail, Exception? innerException = null)
        : base(Describe(method, requestUri, statusCode, errorCode, detail), innerException)
    {
        Method = method;
        RequestUri = requestUri;
        StatusCode = statusCode;
        ErrorCode = errorCode;
        Detail = detail;
    }

    public string Method { get; }

    public Uri RequestUri { get; }

    /// <summary>The HTTP status, or null when no answer came (connection refused, DNS, timeout).</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>MLflow's <c>error_code</c> (e.g. <c>RESOURCE_ALREADY_EXISTS</c>), or null when the answer was not an MLflow error body.</summary>
    public string? ErrorCode { get; }

    /// <summary>MLflow's <c>message</c>, or what went wrong on the way.</summary>
    public string Detail { get; }

    /// <summary>True when the server could not be reached at all (as opposed to answering with an error).</summary>
    public bool IsUnreachable => StatusCode is null;

    public bool IsErrorCode(string errorCode) => string.Equals(ErrorCode, errorCode, StringComparison.Ordinal);

    private static string Describe(string method, Uri requestUri, HttpStatusCode? statusCode, string? errorCode, string detail)
    {
        var oneLine = string.Join(' ', detail.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (oneLine.Length > 300)
        {
            oneLine = string.Concat(oneLine.AsSpan(0, 300), "…");
        }

        var outcome = statusCode is null
            ? "could not be reached"
            : $"answered {(int)statusCode.Value}{(errorCode is null ? "" : " " + errorCode)}";
        return $"MLflow {method} {requestUri} {outcome}: {oneLine}";
    }
}

/// <summary>The <c>error_code</c> values this client acts on.</summary>
public static class MlflowErrorCodes
{
    public const string ResourceAlreadyExists = "RESOURCE_ALREADY_EXISTS";
    public const string ResourceDoesNotExist = "RESOURCE_DOES_NOT_EXIST";
    public const string InvalidParameterValue = "INVALID_PARAMETER_VALUE";
}
