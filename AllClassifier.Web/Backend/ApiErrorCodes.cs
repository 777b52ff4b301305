namespace AllClassifier.Web.Backend;

/// <summary>
/// The API's error <c>code</c>s the web app acts on, a copy of part of <c>AllClassifier.Api/Errors/ErrorCodes.cs</c>
/// (the web app talks to the API over HTTP only); a test keeps every code here one the API answers.
/// </summary>
public static class ApiErrorCodes
{
    public const string NoModel = "no_model";
    public const string Busy = "busy";
    public const string RateLimited = "rate_limited";
    public const string ImageTooLarge = "image_too_large";
    public const string UnknownCase = "unknown_case";
    public const string UnknownImage = "unknown_image";
    public const string CaseExists = "case_exists";
    public const string CaseSigned = "case_signed";
    public const string CaseUnreviewed = "case_unreviewed";
    public const string CaseEmpty = "case_empty";

    /// <summary>Codes that mean the image or the form was refused: the user should choose another file.</summary>
    public static IReadOnlySet<string> Rejections { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "malformed_request", "not_multipart", "unsupported_format", "missing_field", "unknown_label",
        "empty_image", "corrupt_image", "dimensions_too_large", "dimensions_too_small",
    };
}
