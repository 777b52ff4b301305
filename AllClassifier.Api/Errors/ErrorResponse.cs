namespace AllClassifier.Api.Errors;

/// <summary>
/// The body of every error answer: the original API's <c>{"detail": "..."}</c>, plus a stable <c>code</c> from
/// <see cref="ErrorCodes"/> that clients can branch on.
/// </summary>
public sealed record ErrorResponse(string Detail, string Code);
