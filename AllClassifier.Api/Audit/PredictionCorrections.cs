using AllClassifier.Feedback.Audit;
using AllClassifier.Feedback;
using AllClassifier.Api.Access;
using AllClassifier.Api.Errors;
using AllClassifier.Api.Feedback;
using AllClassifier.Api.Telemetry;
using AllClassifier.Model;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Audit;

/// <summary>What the chain keeps about a correction: which prediction, what the person said, which feedback row holds it.</summary>
public sealed record CorrectionRecordData(string PredictionId, string CorrectLabel, string PredictedLabel, int ModelVersion, long FeedbackId, string ImageSha256);

/// <summary>
/// A correction that names its prediction (<c>prediction_id</c> + <c>correct_label</c>, no file): the feedback row
/// gets the image kept for that prediction, its hash and the version of the model that made it, so a promotion between
/// prediction and correction no longer misattributes it, and the image is neither sent nor hashed again.
/// </summary>
public sealed partial class PredictionCorrections(
    AuditLedger ledger,
    IFeedbackStore feedback,
    ClassifierMetrics metrics,
    TimeProvider time,
    IOptions<FeedbackOptions> options,
    ILogger<PredictionCorrections> logger)
{
    public const string PredictionIdField = "prediction_id";

    public async Task<(FeedbackStoredResponse? Stored, ApiError? Error)> CorrectAsync(
        HttpContext context, IFormCollection form, string correctLabelField, CancellationToken cancellationToken)
    {
        if (form.Files.GetFile(Uploads.MultipartUploadReader.FilePart) is not null)
        {
            return (null, new ApiError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.AmbiguousCorrection,
                $"send either '{PredictionIdField}' (the API uses the image it kept) or 'file' with 'predicted_label', not both"));
        }

        var correctText = form[correctLabelField].ToString();
        if (string.IsNullOrWhiteSpace(correctText))
        {
            return (null, new ApiError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.MissingField, $"the form is incomplete: missing '{correctLabelField}'"));
        }

        if (!FeedbackVerdict.TryParse(correctText, out var correct))
        {
            return (null, new ApiError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.UnknownLabel,
                $"'{correctLabelField}' is '{correctText.Trim()}', not a class; expected one of {string.Join(", ", CellClasses.Names)} " +
                $"(any case), an index 0-3 or {FeedbackVerdict.NotAssessable}"));
        }

        var predictionId = form[PredictionIdField].ToString().Trim();
        try
        {
            var prediction = await ledger.ReadAsync(
                connection => PredictionLookup.FindAsync(connection, null, predictionId, time.GetUtcNow(), cancellationToken), cancellationToken);
            if (prediction is null)
            {
                return (null, new ApiError(StatusCodes.Status404NotFound, ErrorCodes.UnknownPrediction, $"there is no prediction '{predictionId}'"));
            }

            if (prediction.Image is null)
            {
                return (null, new ApiError(StatusCodes.Status410Gone, ErrorCodes.PredictionExpired,
                    $"the image of prediction '{predictionId}' is no longer kept; send the correction with the file and 'predicted_label'"));
            }

            var data = prediction.Data;
            var predicted = (CellClass)data.PredictedClass;
            var caller = CallerName.Of(context);
            var stored = await feedback.AddAsync(
                new FeedbackEntry(correct, predicted, prediction.Image, data.ImageSha256, data.ModelVersion) { SentBy = caller },
                cancellationToken);
            try
            {
                await ledger.WriteAsync(
                    writer => writer.AppendAsync(
                        AuditKinds.Correction,
                        caller,
                        data.PredictionId,
                        prediction.CaseId,
                        new CorrectionRecordData(data.PredictionId, FeedbackVerdict.Name(correct), predicted.Name(), data.ModelVersion, stored.Id, data.ImageSha256),
                        cancellationToken),
                    cancellationToken);
            }
            catch
            {
                // A correction the chain does not record is not kept: the row goes and the client sends it again.
                await feedback.DeleteAsync(stored.Id, CancellationToken.None);
                throw;
            }

            metrics.RecordFeedback(FeedbackVerdict.Name(correct), predicted.Name());
            return (new FeedbackStoredResponse(true, stored.Count, stored.Id), null);
        }
        catch (Exception ex) when (StorageFailures.ToError(ex, options.Value.UnavailableRetryAfterSeconds) is { } error)
        {
            LogStorageFailure(logger, ex, error.StatusCode);
            return (null, error);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "a correction by prediction id could not be stored; answered {Status}")]
    private static partial void LogStorageFailure(ILogger logger, Exception exception, int status);
}
