namespace AllClassifier.Api.Errors;

/// <summary>The body of every error answer, as the original API gave it: <c>{"detail": "..."}</c>.</summary>
public sealed record ErrorResponse(string Detail);
