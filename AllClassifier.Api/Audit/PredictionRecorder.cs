using AllClassifier.Feedback.Audit;
using AllClassifier.Feedback;
using AllClassifier.Api.Access;
using AllClassifier.Api.Errors;
using AllClassifier.Api.Feedback;
using AllClassifier.Api.Predict;
using AllClassifier.Api.Uploads;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Audit;

/// <summary>
/// What the chain keeps about one classification: who asked, which image (its SHA-256, never its bytes), which model
/// file answered and what it said. <c>ood_score</c> is null where the served model has no referral gate.
/// </summary>
public sealed record PredictionRecordData(
    string PredictionId,
    string Source,
    string ImageSha256,
    string? FileName,
    int ModelVersion,
    string? ModelSha256,
    IReadOnlyList<float> Probabilities,
    int PredictedClass,
    string ClassName,
    int TestTimeViews,
    bool? Refer,
    IReadOnlyList<string>? ReferReasons,
    double? OodScore,
    bool HeatmapShown);

/// <summary>Where a classification came from.</summary>
public static class PredictionSources
{
    public const string Predict = "predict";
    public const string Explain = "explain";
    public const string CaseUpload = "case_upload";
}

/// <summary>
/// Writes the prediction record of every classification, with the uploaded image kept beside it (not in it): for
/// <see cref="AuditOptions.PendingImageMinutes"/> outside a case, so a correction can point at the prediction, and
/// for the case's retention inside one.
/// </summary>
public sealed partial class PredictionRecorder(
    AuditLedger ledger, IOptions<AuditOptions> options, IOptions<FeedbackOptions> storeOptions, ILogger<PredictionRecorder> logger)
{
    /// <summary>
    /// Records a prediction for <paramref name="context"/>'s caller; a store that cannot write is answered like the
    /// feedback store's failures (503/507), since an unrecorded classification must not be answered.
    /// </summary>
    public async Task<(string? PredictionId, ApiError? Error)> TryRecordAsync(
        HttpContext context, PredictionResponse prediction, ImageUpload upload, string source, bool heatmapShown, CancellationToken cancellationToken)
    {
        try
        {
            // No file name outside a case: a client's file names may name patients, and nothing there needs them.
            return (await RecordAsync(prediction, upload, fileName: null, CallerName.Of(context), source, heatmapShown, cancellationToken), null);
        }
        catch (Exception ex) when (StorageFailures.ToError(ex, storeOptions.Value.UnavailableRetryAfterSeconds) is { } error)
        {
            LogRecordFailed(logger, ex, error.StatusCode);
            return (null, error with { Detail = "the audit store cannot record the prediction; it was not answered, retry shortly" });
        }
    }

    /// <summary>Records a prediction made outside a case and returns its id; the caller answers only after this.</summary>
    public Task<string> RecordAsync(
        PredictionResponse prediction, ImageUpload upload, string? fileName, string? caller, string source, bool heatmapShown,
        CancellationToken cancellationToken) =>
        ledger.WriteAsync(
            async writer => (await AppendAsync(writer, prediction, upload, fileName, caller, source, caseId: null, heatmapShown, cancellationToken)).PredictionId,
            cancellationToken);

    /// <summary>Appends the record and keeps the image inside <paramref name="writer"/>'s transaction.</summary>
    public async Task<PredictionRecordData> AppendAsync(
        AuditWriter writer,
        PredictionResponse prediction,
        ImageUpload upload,
        string? fileName,
        string? caller,
        string source,
        string? caseId,
        bool heatmapShown,
        CancellationToken cancellationToken)
    {
        var data = new PredictionRecordData(
            AuditChain.NewId(),
            source,
            upload.Sha256,
            fileName,
            prediction.ModelVersion,
            prediction.ModelSha256,
            prediction.Probabilities,
            prediction.PredictedClass,
            prediction.ClassName,
            prediction.TestTimeViews,
            prediction.Refer,
            prediction.ReferReasons,
            prediction.OodScore,
            heatmapShown);
        await writer.AppendAsync(AuditKinds.Prediction, caller, data.PredictionId, caseId, data, cancellationToken);
        double? expires = caseId is null ? AuditChain.Seconds(writer.Now.AddMinutes(options.Value.PendingImageMinutes)) : null;
        await writer.ExecuteAsync(
            $"INSERT INTO {AuditTables.Images}(prediction_id, case_id, content_type, img, ts, expires_ts) VALUES (@id, @case_id, @content_type, @img, @ts, @expires)",
            cancellationToken,
            ("id", data.PredictionId),
            ("case_id", caseId),
            ("content_type", prediction.ImageContentType),
            ("img", upload.File),
            ("ts", AuditChain.Seconds(writer.Now)),
            ("expires", expires));
        return data;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "the audit store failed to record a prediction; answered {Status}")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, int status);
}
