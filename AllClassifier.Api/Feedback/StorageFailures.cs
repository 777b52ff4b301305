using AllClassifier.Api.Errors;
using Microsoft.Data.Sqlite;

namespace AllClassifier.Api.Feedback;

/// <summary>
/// How a feedback store that cannot write is answered. The client learns that its correction was not stored and
/// may send it again: a full disk is 507, a store that is locked or failing is 503 with Retry-After.
/// </summary>
public static class StorageFailures
{
    // SQLite primary result codes (https://sqlite.org/rescode.html); extended codes keep them in the low byte.
    private const int Busy = 5;
    private const int Locked = 6;
    private const int ReadOnly = 8;
    private const int IoError = 10;
    private const int Full = 13;
    private const int CannotOpen = 14;

    public static ApiError? ToError(SqliteException exception, int retryAfterSeconds) => (exception.SqliteErrorCode & 0xFF) switch
    {
        Full => new ApiError(StatusCodes.Status507InsufficientStorage, ErrorCodes.StorageFull, "the feedback store is out of disk space; the correction was not stored"),
        Busy or Locked or ReadOnly or IoError or CannotOpen => new ApiError(
            StatusCodes.Status503ServiceUnavailable, ErrorCodes.StorageUnavailable, "the feedback store is unavailable; the correction was not stored, retry shortly")
        {
            RetryAfterSeconds = retryAfterSeconds,
        },
        _ => null,
    };
}
