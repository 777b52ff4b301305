using AllClassifier.Feedback.Audit;
using AllClassifier.Feedback;
using System.Text.Json;
using System.Text.RegularExpressions;
using AllClassifier.Api.Audit;
using AllClassifier.Api.Errors;
using AllClassifier.Api.Feedback;
using AllClassifier.Api.Predict;
using AllClassifier.Api.Telemetry;
using AllClassifier.Api.Uploads;
using AllClassifier.Model;

namespace AllClassifier.Api.Cases;

public sealed record CaseCreatedData(string CaseId, string Accession);

public sealed record ReviewRecordData(
    string PredictionId, string CaseId, string Decision, string? PreviousDecision, string PredictedClassName, int ModelVersion, long? FeedbackId);

public sealed record SignOffRecordData(string CaseId, string Accession, int Images, IReadOnlyList<int> ModelVersions, CaseResultSummary Summary);

public sealed record HeatmapShownData(string PredictionId, string CaseId, int ExplainedByModelVersion, string ExplainedClass);

/// <summary>
/// The rules of cases: an accession is open once, a signed case is read-only and signed once, sign-off needs a review
/// for every image. Each change commits together with its audit record; a review that differs from the prediction is
/// also a correction, stored as a feedback row with the version of the model that predicted.
/// </summary>
public sealed partial class CaseService(AuditLedger ledger, PredictionRecorder recorder, IFeedbackStore feedback, ClassifierMetrics metrics, ILogger<CaseService> logger)
{
    public const int MaxAccessionLength = 64;

    public async Task<(CaseDetail? Case, ApiError? Error)> CreateAsync(string? accession, string? caller, CancellationToken cancellationToken)
    {
        var trimmed = accession?.Trim() ?? "";
        if (trimmed.Length is 0 or > MaxAccessionLength || !AccessionPattern().IsMatch(trimmed))
        {
            return (null, new ApiError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.InvalidAccession,
                $"'accession' must be 1-{MaxAccessionLength} letters, digits or -_./ (e.g. S-24-0001); no patient names are needed"));
        }

        return await ledger.WriteAsync<(CaseDetail?, ApiError?)>(
            async writer =>
            {
                var open = await CaseStore.ListAsync(writer.Connection, writer.Transaction, "c.accession = @accession AND c.status = 'open'", cancellationToken, 1, ("accession", trimmed));
                if (open.Count > 0)
                {
                    writer.Abort();
                    return (null, new ApiError(StatusCodes.Status409Conflict, ErrorCodes.CaseExists, $"an open case with accession '{trimmed}' exists: {open[0].CaseId}"));
                }

                var caseId = AuditChain.NewId();
                await writer.ExecuteAsync(
                    $"INSERT INTO {AuditTables.Cases}(case_id, accession, status, created_ts, created_by) VALUES (@case_id, @accession, 'open', @ts, @by)",
                    cancellationToken,
                    ("case_id", caseId),
                    ("accession", trimmed),
                    ("ts", AuditChain.Seconds(writer.Now)),
                    ("by", caller));
                await writer.AppendAsync(AuditKinds.CaseCreated, caller, caseId, caseId, new CaseCreatedData(caseId, trimmed), cancellationToken);
                return (await CaseStore.DetailAsync(writer.Connection, writer.Transaction, caseId, cancellationToken), null);
            },
            cancellationToken);
    }

    /// <summary>Why <paramref name="caseId"/> cannot be changed now (unknown or signed), or null when it can.</summary>
    public async Task<ApiError?> CheckWritableAsync(string caseId, CancellationToken cancellationToken) =>
        Writable(await ledger.ReadAsync(connection => CaseStore.FindAsync(connection, null, caseId, cancellationToken), cancellationToken), caseId);

    /// <summary>Adds a classified upload: its prediction record, its kept image and its row, or nothing.</summary>
    public Task<(CaseImage? Image, ApiError? Error)> AddImageAsync(
        string caseId, PredictionResponse prediction, ImageUpload upload, string? caller, CancellationToken cancellationToken) =>
        ledger.WriteAsync<(CaseImage?, ApiError?)>(
            async writer =>
            {
                if (Writable(await CaseStore.FindAsync(writer.Connection, writer.Transaction, caseId, cancellationToken), caseId) is { } error)
                {
                    writer.Abort();
                    return (null, error);
                }

                var data = await recorder.AppendAsync(
                    writer, prediction, upload, upload.FileName, caller, PredictionSources.CaseUpload, caseId, heatmapShown: false, cancellationToken);
                await writer.ExecuteAsync(
                    $"""
                    INSERT INTO {AuditTables.CaseImages}(prediction_id, case_id, file_name, uploaded_ts, uploaded_by, probabilities, predicted_class,
                      model_version, top_probability, refer, refer_reasons, ood_score)
                    VALUES (@id, @case_id, @file_name, @ts, @by, @probabilities, @predicted_class, @model_version, @top, @refer, @reasons, @ood)
                    """,
                    cancellationToken,
                    ("id", data.PredictionId),
                    ("case_id", caseId),
                    ("file_name", upload.FileName),
                    ("ts", AuditChain.Seconds(writer.Now)),
                    ("by", caller),
                    ("probabilities", JsonSerializer.Serialize(prediction.Probabilities)),
                    ("predicted_class", (long)prediction.PredictedClass),
                    ("model_version", (long)prediction.ModelVersion),
                    ("top", (double)prediction.Probabilities[prediction.PredictedClass]),
                    ("refer", (long)(data.Refer == true ? 1 : 0)),
                    ("reasons", JsonSerializer.Serialize(data.ReferReasons ?? [])),
                    ("ood", data.OodScore));
                var stored = await CaseStore.ImagesAsync(
                    writer.Connection, writer.Transaction, "i.prediction_id = @id", "i.prediction_id", cancellationToken, 1, ("id", data.PredictionId));
                return (stored[0].Image, null);
            },
            cancellationToken);

    public async Task<(CaseImage? Image, ApiError? Error)> ReviewAsync(
        string caseId, string predictionId, string? decisionText, string? caller, CancellationToken cancellationToken)
    {
        if (!FeedbackVerdict.TryParse(decisionText, out var verdict))
        {
            return (null, new ApiError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.InvalidDecision,
                $"'decision' is '{decisionText}'; expected one of {string.Join(", ", CellClasses.Names)} or {FeedbackVerdict.NotAssessable}"));
        }

        var decision = FeedbackVerdict.Name(verdict);

        var (current, readError) = await ledger.ReadAsync(connection => FindImageAsync(connection, null, caseId, predictionId, cancellationToken), cancellationToken);
        if (readError is not null)
        {
            return (null, readError);
        }

        // The feedback row is written before the review's transaction, which holds the database's write lock that the
        // feedback store needs; the transaction then checks that nothing changed meanwhile, and on refusal the row goes.
        var predicted = (CellClass)current!.Image.PredictedClass;
        long? feedbackId = null;
        // A not-assessable verdict is stored too: never trained on as a class, it tests the referral gate.
        if (decision != current.Image.ClassName)
        {
            var image = await ledger.ReadAsync(connection => PredictionLookup.FindAsync(connection, null, predictionId, DateTimeOffset.MaxValue, cancellationToken), cancellationToken);
            if (image?.Image is { } bytes)
            {
                var stored = await feedback.AddAsync(
                    new FeedbackEntry(verdict, predicted, bytes, image.Data.ImageSha256, current.Image.ModelVersion) { SentBy = caller }, cancellationToken);
                feedbackId = stored.Id;
                metrics.RecordFeedback(decision, predicted.Name());
            }
        }

        var (reviewed, error) = await ledger.WriteAsync<(CaseImage?, ApiError?)>(
            async writer =>
            {
                var (now, changedError) = await FindImageAsync(writer.Connection, writer.Transaction, caseId, predictionId, cancellationToken);
                changedError ??= now!.Image.Review?.Decision != current.Image.Review?.Decision || now.FeedbackId != current.FeedbackId
                    ? new ApiError(StatusCodes.Status409Conflict, ErrorCodes.ReviewConflict, "the image was reviewed by someone else meanwhile; reload and review again")
                    : null;
                if (changedError is not null)
                {
                    writer.Abort();
                    return (null, changedError);
                }

                await writer.ExecuteAsync(
                    $"UPDATE {AuditTables.CaseImages} SET decision = @decision, reviewer = @reviewer, reviewed_ts = @ts, feedback_id = @feedback_id WHERE prediction_id = @id",
                    cancellationToken,
                    ("decision", decision),
                    ("reviewer", caller),
                    ("ts", AuditChain.Seconds(writer.Now)),
                    ("feedback_id", feedbackId),
                    ("id", predictionId));
                await writer.AppendAsync(
                    AuditKinds.Review,
                    caller,
                    predictionId,
                    caseId,
                    new ReviewRecordData(predictionId, caseId, decision, current.Image.Review?.Decision, current.Image.ClassName, current.Image.ModelVersion, feedbackId),
                    cancellationToken);
                var stored = await CaseStore.ImagesAsync(writer.Connection, writer.Transaction, "i.prediction_id = @id", "i.prediction_id", cancellationToken, 1, ("id", predictionId));
                return (stored[0].Image, null);
            },
            cancellationToken);

        // The superseded correction (or, on refusal, the new one) must not train the next model.
        var orphan = error is null ? current.FeedbackId : feedbackId;
        if (orphan is { } id && !(await feedback.DeleteAsync(id, CancellationToken.None)).Deleted)
        {
            LogOrphanMissing(logger, id);
        }

        return (reviewed, error);
    }

    public Task<(CaseDetail? Case, ApiError? Error)> SignOffAsync(string caseId, string? caller, CancellationToken cancellationToken) =>
        ledger.WriteAsync<(CaseDetail?, ApiError?)>(
            async writer =>
            {
                var detail = await CaseStore.DetailAsync(writer.Connection, writer.Transaction, caseId, cancellationToken);
                var error = detail switch
                {
                    null => UnknownCase(caseId),
                    { Status: CaseStore.Signed } => Signed(detail),
                    { ImageCount: 0 } => new ApiError(StatusCodes.Status409Conflict, ErrorCodes.CaseEmpty, "the case has no image; upload and review images before signing"),
                    _ when detail.ImageCount - detail.Reviewed is > 0 and var unreviewed => new ApiError(
                        StatusCodes.Status409Conflict,
                        ErrorCodes.CaseUnreviewed,
                        $"{unreviewed} of {detail.ImageCount} images have no review" +
                        $" ({detail.Images.Count(image => image.Refer && image.Review is null)} of them referred); every image needs a decision before sign-off"),
                    _ => null,
                };
                if (error is not null)
                {
                    writer.Abort();
                    return (null, error);
                }

                await writer.ExecuteAsync(
                    $"UPDATE {AuditTables.Cases} SET status = 'signed', signed_ts = @ts, signed_by = @by WHERE case_id = @case_id",
                    cancellationToken,
                    ("ts", AuditChain.Seconds(writer.Now)),
                    ("by", caller),
                    ("case_id", caseId));
                await writer.AppendAsync(
                    AuditKinds.SignOff,
                    caller,
                    caseId,
                    caseId,
                    new SignOffRecordData(caseId, detail!.Accession, detail.ImageCount, detail.ModelVersions, detail.Summary),
                    cancellationToken);
                return (await CaseStore.DetailAsync(writer.Connection, writer.Transaction, caseId, cancellationToken), null);
            },
            cancellationToken);

    /// <summary>Records that a heat map of a case image was shown, and by which model it was drawn.</summary>
    public Task RecordHeatmapShownAsync(string caseId, string predictionId, int modelVersion, string explainedClass, string? caller, CancellationToken cancellationToken) =>
        ledger.WriteAsync(
            writer => writer.AppendAsync(AuditKinds.HeatmapShown, caller, predictionId, caseId, new HeatmapShownData(predictionId, caseId, modelVersion, explainedClass), cancellationToken),
            cancellationToken);

    /// <summary>A case image and the state of its case, or why it cannot be reviewed.</summary>
    public static async Task<(StoredCaseImage? Image, ApiError? Error)> FindImageAsync(
        System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, string caseId, string predictionId, CancellationToken cancellationToken)
    {
        if (Writable(await CaseStore.FindAsync(connection, transaction, caseId, cancellationToken), caseId) is { } error)
        {
            return (null, error);
        }

        var images = await CaseStore.ImagesAsync(
            connection, transaction, "i.prediction_id = @id AND i.case_id = @case_id", "i.prediction_id", cancellationToken, 1, ("id", predictionId), ("case_id", caseId));
        return images.Count == 0 ? (null, UnknownImage(caseId, predictionId)) : (images[0], null);
    }

    public static ApiError UnknownCase(string caseId) =>
        new(StatusCodes.Status404NotFound, ErrorCodes.UnknownCase, $"there is no case '{caseId}'");

    public static ApiError UnknownImage(string caseId, string predictionId) =>
        new(StatusCodes.Status404NotFound, ErrorCodes.UnknownImage, $"case '{caseId}' has no image '{predictionId}'");

    private static ApiError? Writable(CaseState? state, string caseId) => state switch
    {
        null => UnknownCase(caseId),
        { Signed: true } => Signed(state.Summary),
        _ => null,
    };

    private static ApiError Signed(CaseSummary summary) => new(
        StatusCodes.Status409Conflict,
        ErrorCodes.CaseSigned,
        $"case '{summary.Accession}' was signed by {summary.SignedBy ?? "an unnamed caller"} at {summary.SignedAt} and is read-only");

    private static ApiError Signed(CaseDetail detail) => new(
        StatusCodes.Status409Conflict,
        ErrorCodes.CaseSigned,
        $"case '{detail.Accession}' was already signed by {detail.SignedBy ?? "an unnamed caller"} at {detail.SignedAt}");

    [GeneratedRegex("^[A-Za-z0-9._/-]+$")]
    private static partial Regex AccessionPattern();

    [LoggerMessage(Level = LogLevel.Warning, Message = "feedback row {Id} of a superseded or refused review was already gone")]
    private static partial void LogOrphanMissing(ILogger logger, long id);
}
