namespace AllClassifier.Api.Errors;

/// <summary>
/// The stable, machine-readable <c>code</c> of every error answer. Clients branch on these; the <c>detail</c>
/// beside them is a sentence for people and may change.
/// </summary>
public static class ErrorCodes
{
    /// <summary>400: the multipart body could not be parsed, or Kestrel refused the request.</summary>
    public const string MalformedRequest = "malformed_request";

    /// <summary>413: the request body is over the upload limit.</summary>
    public const string ImageTooLarge = "image_too_large";

    /// <summary>415: the body is not <c>multipart/form-data</c>.</summary>
    public const string NotMultipart = "not_multipart";

    /// <summary>415: the file is not a JPEG, PNG or BMP image.</summary>
    public const string UnsupportedFormat = "unsupported_format";

    /// <summary>422: a required form part is missing.</summary>
    public const string MissingField = "missing_field";

    /// <summary>422: a label is not a class name or index.</summary>
    public const string UnknownLabel = "unknown_label";

    /// <summary>422: the file is empty.</summary>
    public const string EmptyImage = "empty_image";

    /// <summary>422: the image is corrupt or truncated.</summary>
    public const string CorruptImage = "corrupt_image";

    /// <summary>422: the image's dimensions are over the limits (refused from the header).</summary>
    public const string DimensionsTooLarge = "dimensions_too_large";

    /// <summary>422: the image is smaller than the minimum side.</summary>
    public const string DimensionsTooSmall = "dimensions_too_small";

    /// <summary>503: no model is being served yet.</summary>
    public const string NoModel = "no_model";

    /// <summary>503: the inference queue is full.</summary>
    public const string Busy = "busy";

    /// <summary>409: the served model was composed before class activation maps existed and cannot explain.</summary>
    public const string NoClassActivationMap = "no_class_activation_map";

    /// <summary>404: the served model has no confusion matrix picture.</summary>
    public const string NoConfusionMatrix = "no_confusion_matrix";

    /// <summary>422: a list's <c>limit</c> is out of range.</summary>
    public const string InvalidLimit = "invalid_limit";

    /// <summary>404: no feedback row has that id.</summary>
    public const string NoSuchFeedbackRow = "no_such_feedback_row";

    /// <summary>404: the registry has no such model version.</summary>
    public const string NoSuchVersion = "no_such_version";

    /// <summary>409: the API follows MLflow's alias, so promotion happens in MLflow.</summary>
    public const string FollowsMlflow = "follows_mlflow";

    /// <summary>409: promotion without a version found no version newer than the champion (it never rolls back).</summary>
    public const string NoNewerChallenger = "no_newer_challenger";

    /// <summary>503: the model registry is locked by a training run (with <c>Retry-After</c>).</summary>
    public const string RegistryBusy = "registry_busy";

    /// <summary>401: no valid <c>X-Api-Key</c> while keys are configured.</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>403: the key is valid but lacks the scope the endpoint needs (predict, feedback or admin).</summary>
    public const string Forbidden = "forbidden";

    /// <summary>429: the caller's rate limit is reached (with <c>Retry-After</c>).</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>507: the feedback store is out of disk space; nothing was stored.</summary>
    public const string StorageFull = "storage_full";

    /// <summary>503: the feedback store cannot write for a while (locked or failing disk); nothing was stored.</summary>
    public const string StorageUnavailable = "storage_unavailable";

    /// <summary>422: an export's <c>from</c>/<c>to</c> is not an ISO 8601 time, or <c>from</c> is not before <c>to</c>.</summary>
    public const string InvalidRange = "invalid_range";

    /// <summary>422: an export's <c>format</c> is neither json nor csv.</summary>
    public const string InvalidFormat = "invalid_format";

    /// <summary>404: no prediction record has that <c>prediction_id</c>.</summary>
    public const string UnknownPrediction = "unknown_prediction";

    /// <summary>410: the prediction's kept image has expired (<c>Audit:PendingImageMinutes</c>); send the file instead.</summary>
    public const string PredictionExpired = "prediction_expired";

    /// <summary>422: a correction sent both a file and a <c>prediction_id</c>.</summary>
    public const string AmbiguousCorrection = "ambiguous_correction";

    /// <summary>404: no case has that id.</summary>
    public const string UnknownCase = "unknown_case";

    /// <summary>404: the case has no image with that prediction id.</summary>
    public const string UnknownImage = "unknown_image";

    /// <summary>409: an open case already has that accession.</summary>
    public const string CaseExists = "case_exists";

    /// <summary>409: the case is signed and read-only.</summary>
    public const string CaseSigned = "case_signed";

    /// <summary>409: sign-off refused while an image has no review.</summary>
    public const string CaseUnreviewed = "case_unreviewed";

    /// <summary>409: sign-off refused for a case without images.</summary>
    public const string CaseEmpty = "case_empty";

    /// <summary>422: an accession is empty, too long or has characters other than letters, digits and <c>-_./</c>.</summary>
    public const string InvalidAccession = "invalid_accession";

    /// <summary>422: a review's decision is not a class or NotAssessable.</summary>
    public const string InvalidDecision = "invalid_decision";

    /// <summary>422: a JSON body is missing or malformed.</summary>
    public const string InvalidBody = "invalid_body";

    /// <summary>422: a list's <c>status</c> filter is not open, signed or all.</summary>
    public const string InvalidStatus = "invalid_status";

    /// <summary>409: the image's review changed while this one was being stored; reload and review again.</summary>
    public const string ReviewConflict = "review_conflict";

    /// <summary>415: the body is not <c>application/json</c>.</summary>
    public const string NotJson = "not_json";

    /// <summary>404: no endpoint at this path.</summary>
    public const string NotFound = "not_found";

    /// <summary>405: the endpoint does not take this method.</summary>
    public const string MethodNotAllowed = "method_not_allowed";

    /// <summary>500: anything unexpected (logged with its exception).</summary>
    public const string ServerError = "server_error";

    /// <summary>Any other status the framework answers by itself.</summary>
    public const string Error = "error";
}
