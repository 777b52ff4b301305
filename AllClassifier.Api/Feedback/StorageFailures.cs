using AllClassifier.Feedback;
using AllClassifier.Api.Errors;
using Microsoft.Data.Sqlite;
using Npgsql;

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

    // PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html).
    private const string DiskFull = "53100";
    private const string InsufficientResourcesClass = "53";
    private const string ConnectionExceptionClass = "08";
    private const string OperatorInterventionClass = "57P";

    /// <summary>The answer for a store failure of either store; null for anything else (a bug, answered 500).</summary>
    public static ApiError? ToError(Exception exception, int retryAfterSeconds) => exception switch
    {
        SqliteException sqlite => (sqlite.SqliteErrorCode & 0xFF) switch
        {
            Full => DiskFullError(),
            Busy or Locked or ReadOnly or IoError or CannotOpen => UnavailableError(retryAfterSeconds),
            _ => null,
        },
        PostgresException { SqlState: DiskFull } => DiskFullError(),
        PostgresException postgres when postgres.SqlState.StartsWith(InsufficientResourcesClass, StringComparison.Ordinal)
            || postgres.SqlState.StartsWith(ConnectionExceptionClass, StringComparison.Ordinal)
            || postgres.SqlState.StartsWith(OperatorInterventionClass, StringComparison.Ordinal) => UnavailableError(retryAfterSeconds),
        PostgresException => null,

        // No server answer at all: refused, reset or timed-out connections.
        NpgsqlException => UnavailableError(retryAfterSeconds),
        _ => null,
    };

    private static ApiError DiskFullError() =>
        new(StatusCodes.Status507InsufficientStorage, ErrorCodes.StorageFull, "the feedback store is out of disk space; the correction was not stored");

    private static ApiError UnavailableError(int retryAfterSeconds) =>
        new(StatusCodes.Status503ServiceUnavailable, ErrorCodes.StorageUnavailable, "the feedback store is unavailable; the correction was not stored, retry shortly")
        {
            RetryAfterSeconds = retryAfterSeconds,
        };
}
