using AllClassifier.Api.Access;
using AllClassifier.Api.Audit;
using AllClassifier.Api.Decoding;
using AllClassifier.Api.Errors;
using AllClassifier.Api.Serving;
using AllClassifier.Api.Telemetry;
using AllClassifier.Api.Uploads;
using AllClassifier.Model;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Registry;
using Microsoft.AspNetCore.Http.HttpResults;
using AllClassifier.Feedback;
using Npgsql;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Feedback;

public static partial class FeedbackEndpoints
{
    public const int MaxListedRows = 500;
    public const string CorrectLabelField = "correct_label";
    public const string PredictedLabelField = "predicted_label";

    public static IHostApplicationBuilder AddFeedback(this IHostApplicationBuilder builder)
    {
        builder.Services.AddFeedbackOptions()
            .Validate(o => o.RetentionDays is null or > 0 && o.RetentionSweepInterval > TimeSpan.Zero,
                "Feedback:RetentionDays (FEEDBACK_RETENTION_DAYS) must be a positive number of days and " +
                "Feedback:RetentionSweepInterval positive.");
        // Chosen when first resolved, not here: configuration sources added after this call still count.
        builder.Services.AddSingleton(services => NpgsqlDataSource.Create(FeedbackConnectionString(services)!));
        builder.Services.AddSingleton<IFeedbackStore>(services => FeedbackConnectionString(services) is not null
            ? ActivatorUtilities.CreateInstance<PostgresFeedbackStore>(services)
            : ActivatorUtilities.CreateInstance<SqliteFeedbackStore>(services));
        // The trainer's reader of the same table, so pending_since_training is the sensor's own count.
        builder.Services.AddSingleton(services => FeedbackSources.Open(
            FeedbackConnectionString(services), services.GetRequiredService<IOptions<FeedbackOptions>>().Value.DatabasePath));
        builder.Services.AddHostedService<FeedbackRetentionService>();
        builder.Services.AddHealthChecks().AddCheck<FeedbackStoreHealthCheck>("feedback-store");
        return builder;
    }

    /// <summary>The <c>feedback</c> connection string that selects the PostgreSQL store; null selects SQLite.</summary>
    private static string? FeedbackConnectionString(IServiceProvider services) =>
        services.GetRequiredService<IOptions<FeedbackOptions>>().Value.PostgresConnectionString;

    public static IEndpointRouteBuilder MapFeedbackEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/feedback").WithTags("Feedback");

        group.MapPost("", PostFeedback)
            .RequireAuthorization(ApiPolicies.Feedback)
            .WithName("PostFeedback")
            .WithSummary("Stores a correction: the true class, the predicted class and the image, for retraining.")
            .WithDescription(
                "Labels are class names (Benign, Early, Pre, Pro; any case) or indices 0-3; they are stored as names. " +
                "correct_label may also be NotAssessable (not a smear, or an unusable image): stored as NotAssessable, never " +
                "trained on as a class and not counted towards FB_THRESH. " +
                "The answer's feedback_count includes the stored row. Errors: 400 malformed multipart body; 413 body over " +
                "the upload limit; 415 body not multipart/form-data or file not a JPEG/PNG/BMP; 422 missing field or file, unknown label, empty, corrupt or " +
                "truncated image, or dimensions out of bounds; 401 no valid X-Api-Key when keys are configured; 429 rate limit reached " +
                "(with Retry-After); 507 disk full; 503 decode queue full or store unavailable (with Retry-After). " +
                "Nothing is stored on any error; a 200 answer means the row is on disk. The row records the sending client (sent_by). " +
                "Instead of the file and predicted_label, a correction may send 'prediction_id' (from /predict, /explain or a case " +
                "upload) with correct_label: the row then gets the image the API kept for that prediction and the version of the " +
                "model that made it; 404 unknown_prediction, 410 prediction_expired once the image is no longer kept " +
                "(Audit:PendingImageMinutes), 422 ambiguous_correction when a file is sent too.")
            .Accepts<FeedbackForm>("multipart/form-data")
            .ProducesUploadErrors()
            .Produces<ErrorResponse>(StatusCodes.Status401Unauthorized)
            .Produces<ErrorResponse>(StatusCodes.Status429TooManyRequests)
            .Produces<ErrorResponse>(StatusCodes.Status507InsufficientStorage);

        group.MapGet("/rows", ListRows)
            .RequireAuthorization(ApiPolicies.Admin)
            .WithName("ListFeedbackRows")
            .WithSummary("The newest feedback rows without their images (id, ts, labels, model version, sender), for review.")
            .WithDescription($"Query 'limit': 1-{MaxListedRows}, default 50. Needs a key with the admin scope when keys are configured.")
            .Produces<ErrorResponse>(StatusCodes.Status401Unauthorized)
            .Produces<ErrorResponse>(StatusCodes.Status422UnprocessableEntity);

        group.MapDelete("/{id:long}", DeleteRow)
            .RequireAuthorization(ApiPolicies.Admin)
            .WithName("DeleteFeedbackRow")
            .WithSummary("Deletes one feedback row and its image, e.g. on a patient's request. Needs a key with the admin scope when keys are configured.")
            .WithDescription(
                "The image is erased from the database's files too (SQLite: secure_delete and a WAL checkpoint; PostgreSQL: " +
                "VACUUM FULL of the table). erased is false when the row is gone but a reader kept the erasure from finishing " +
                "in time; the next delete or retention sweep completes it.")
            .Produces<ErrorResponse>(StatusCodes.Status401Unauthorized)
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound);

        group.MapGet("/count", GetCount)
            .AllowAnonymous()
            .WithName("GetFeedbackCount")
            .WithSummary("The number of stored feedback rows, and those pending since the model was trained.")
            .WithDescription(
                "feedback_count: every stored row. pending_since_training: the corrections with a class and an image " +
                "stored after the newest training data of any registered version (rows with ids above trained_up_to; " +
                "NotAssessable verdicts never count), the number the trainer's wait_feedback sensor compares with " +
                "threshold (FB_THRESH).")
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable)
            .Produces<ErrorResponse>(StatusCodes.Status500InternalServerError);

        return app;
    }

    private static async Task<Results<Ok<FeedbackStoredResponse>, JsonHttpResult<ErrorResponse>>> PostFeedback(
        HttpRequest request,
        MultipartUploadReader reader,
        GatedImageDecoder decoder,
        IFeedbackStore feedback,
        ModelHolder holder,
        ClassifierMetrics metrics,
        IOptions<FeedbackOptions> options,
        ILoggerFactory loggers,
        PredictionCorrections corrections,
        CancellationToken cancellationToken)
    {
        var (form, formError) = await reader.ReadFormAsync(request, cancellationToken);
        if (formError is not null)
        {
            return formError.ToResult(request.HttpContext.Response);
        }

        if (!string.IsNullOrWhiteSpace(form![PredictionCorrections.PredictionIdField]))
        {
            var (byPrediction, error) = await corrections.CorrectAsync(request.HttpContext, form, CorrectLabelField, cancellationToken);
            return error is not null ? error.ToResult(request.HttpContext.Response) : TypedResults.Ok(byPrediction!);
        }

        var (upload, uploadError) = await reader.ReadAsync(request, [CorrectLabelField, PredictedLabelField], cancellationToken);
        if (uploadError is not null)
        {
            return uploadError.ToResult(request.HttpContext.Response);
        }

        var labelErrors = new List<string>();
        if (!FeedbackVerdict.TryParse(upload!.Fields[CorrectLabelField], out var correct))
        {
            labelErrors.Add(UnknownLabel(CorrectLabelField, upload.Fields[CorrectLabelField]) + $" or {FeedbackVerdict.NotAssessable}");
        }

        if (!CellClasses.TryParse(upload.Fields[PredictedLabelField], out var predicted))
        {
            labelErrors.Add(UnknownLabel(PredictedLabelField, upload.Fields[PredictedLabelField]));
        }

        if (labelErrors.Count > 0)
        {
            return new ApiError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.UnknownLabel, string.Join("; ", labelErrors)).ToResult(request.HttpContext.Response);
        }

        // Decoded in full, not just its header: the trainer must never find an unreadable image in the table.
        var (header, rejection) = decoder.Inspect(upload.File);
        if (rejection is not null)
        {
            return rejection.ToResult(request.HttpContext.Response);
        }

        var (decoded, decodeError) = await decoder.DecodeResizedAsync(upload.File, header!, cancellationToken);
        if (decodeError is not null)
        {
            return decodeError.ToResult(request.HttpContext.Response);
        }

        decoded!.Dispose();

        var entry = new FeedbackEntry(correct, predicted, upload.File, upload.Sha256, holder.Current?.Version)
        {
            SentBy = CallerName.Of(request.HttpContext),
        };
        StoredFeedback stored;
        try
        {
            stored = await feedback.AddAsync(entry, cancellationToken);
        }
        catch (Exception ex) when (StorageFailures.ToError(ex, options.Value.UnavailableRetryAfterSeconds) is { } error)
        {
            LogStorageFailure(loggers.CreateLogger(typeof(FeedbackEndpoints)), ex, error.StatusCode);
            return error.ToResult(request.HttpContext.Response);
        }

        metrics.RecordFeedback(entry.CorrectName, predicted.Name());
        return TypedResults.Ok(new FeedbackStoredResponse(true, stored.Count, stored.Id));
    }

    private static async Task<Results<Ok<FeedbackRowsResponse>, JsonHttpResult<ErrorResponse>>> ListRows(
        IFeedbackStore feedback, HttpResponse response, CancellationToken cancellationToken, int limit = 50)
    {
        if (limit is < 1 or > MaxListedRows)
        {
            return new ApiError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.InvalidLimit, $"'limit' must be between 1 and {MaxListedRows}").ToResult(response);
        }

        return TypedResults.Ok(new FeedbackRowsResponse(await feedback.ListNewestAsync(limit, cancellationToken)));
    }

    private static async Task<Results<Ok<FeedbackDeletedResponse>, JsonHttpResult<ErrorResponse>>> DeleteRow(
        long id, IFeedbackStore feedback, HttpContext context, ILogger<IFeedbackStore> logger, CancellationToken cancellationToken)
    {
        var deletion = await feedback.DeleteAsync(id, cancellationToken);
        if (!deletion.Deleted)
        {
            return new ApiError(StatusCodes.Status404NotFound, ErrorCodes.NoSuchFeedbackRow, $"there is no feedback row {id}").ToResult(context.Response);
        }

        LogDeleted(logger, id, CallerName.Of(context) ?? "an unauthenticated caller");
        if (!deletion.Erased)
        {
            LogNotErased(logger, id);
        }

        return TypedResults.Ok(new FeedbackDeletedResponse(true, await feedback.CountAsync(cancellationToken), deletion.Erased));
    }

    private static async Task<Results<Ok<FeedbackCountResponse>, JsonHttpResult<ErrorResponse>>> GetCount(
        HttpResponse response,
        IFeedbackStore feedback,
        IFeedbackSource source,
        ModelHolder holder,
        IOptions<ModelServingOptions> serving,
        IOptions<FeedbackOptions> options,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        try
        {
            // The registry shared with the trainer holds every version's card; the served card also counts for an
            // API that follows MLflow and has mirrored only the champion.
            var trainedUpTo = PendingFeedback.TrainedUpTo(new LocalModelRegistry(serving.Value.RegistryDirectory)
                .List().Select(version => version.Card)
                .Concat(holder.Current is { } served ? [served.Card] : []));
            var count = await feedback.CountAsync(cancellationToken);
            var pending = await PendingFeedback.CountAsync(source, trainedUpTo, cancellationToken);
            return TypedResults.Ok(new FeedbackCountResponse(count, pending, options.Value.Threshold, trainedUpTo));
        }
        catch (Exception ex) when (StorageFailures.ToError(ex, options.Value.UnavailableRetryAfterSeconds) is { } error)
        {
            LogStorageFailure(loggers.CreateLogger(typeof(FeedbackEndpoints)), ex, error.StatusCode);
            return error.ToResult(response);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "the feedback store failed; answered {Status}")]
    private static partial void LogStorageFailure(ILogger logger, Exception exception, int status);

    [LoggerMessage(Level = LogLevel.Information, Message = "feedback row {Id} deleted by {Caller}")]
    private static partial void LogDeleted(ILogger logger, long id, string caller);

    [LoggerMessage(Level = LogLevel.Warning, Message = "feedback row {Id} is deleted but its bytes are still in the database's files: a reader held an old snapshot; the next delete or retention sweep erases them")]
    private static partial void LogNotErased(ILogger logger, long id);

    private static string UnknownLabel(string field, string value) =>
        $"'{field}' is '{value}', not a class; expected one of {string.Join(", ", CellClasses.Names)} (any case) or an index 0-3";
}
