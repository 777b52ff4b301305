using System.Security.Cryptography;
using AllClassifier.Api.Decoding;
using AllClassifier.Api.Errors;
using AllClassifier.Api.Models;
using AllClassifier.Api.Telemetry;
using AllClassifier.Api.Uploads;
using AllClassifier.Model;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Feedback;

public static partial class FeedbackEndpoints
{
    public const string FeedbackDirectoryVariable = "FEEDBACK_DIR";
    public const string CorrectLabelField = "correct_label";
    public const string PredictedLabelField = "predicted_label";

    public static IHostApplicationBuilder AddFeedback(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FeedbackOptions>()
            .Bind(builder.Configuration.GetSection(FeedbackOptions.SectionName))
            .Configure<IConfiguration>((options, configuration) =>
            {
                if (configuration[FeedbackDirectoryVariable] is { Length: > 0 } directory)
                {
                    options.Directory = directory;
                }
            });
        builder.Services.AddSingleton<FeedbackStore>();
        return builder;
    }

    public static IEndpointRouteBuilder MapFeedbackEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/feedback").WithTags("Feedback");

        group.MapPost("", PostFeedback)
            .WithName("PostFeedback")
            .WithSummary("Stores a correction: the true class, the predicted class and the image, for retraining.")
            .WithDescription(
                "Labels are class names (Benign, Early, Pre, Pro; any case) or indices 0-3; they are stored as names. " +
                "The answer's feedback_count includes the stored row. Errors: 400 malformed multipart body; 413 body over " +
                "the upload limit; 415 body not multipart/form-data or file not a JPEG/PNG/BMP; 422 missing field or file, unknown label, empty, corrupt or " +
                "truncated image, or dimensions out of bounds; 507 disk full; 503 decode queue full or store unavailable (with Retry-After). " +
                "Nothing is stored on any error; a 200 answer means the row is on disk.")
            .Accepts<FeedbackForm>("multipart/form-data")
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<ErrorResponse>(StatusCodes.Status413PayloadTooLarge)
            .Produces<ErrorResponse>(StatusCodes.Status415UnsupportedMediaType)
            .Produces<ErrorResponse>(StatusCodes.Status422UnprocessableEntity)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable)
            .Produces<ErrorResponse>(StatusCodes.Status507InsufficientStorage)
            .Produces<ErrorResponse>(StatusCodes.Status500InternalServerError);

        group.MapGet("/count", GetCount)
            .WithName("GetFeedbackCount")
            .WithSummary("The number of stored feedback rows.")
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable)
            .Produces<ErrorResponse>(StatusCodes.Status500InternalServerError);

        return app;
    }

    private static async Task<Results<Ok<FeedbackStoredResponse>, JsonHttpResult<ErrorResponse>>> PostFeedback(
        HttpRequest request,
        MultipartUploadReader reader,
        GatedImageDecoder decoder,
        FeedbackStore store,
        ModelHolder holder,
        ClassifierMetrics metrics,
        IOptions<FeedbackOptions> options,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var (upload, uploadError) = await reader.ReadAsync(request, [CorrectLabelField, PredictedLabelField], cancellationToken);
        if (uploadError is not null)
        {
            return uploadError.ToResult(request.HttpContext.Response);
        }

        var labelErrors = new List<string>();
        if (!CellClasses.TryParse(upload!.Fields[CorrectLabelField], out var correct))
        {
            labelErrors.Add(UnknownLabel(CorrectLabelField, upload.Fields[CorrectLabelField]));
        }

        if (!CellClasses.TryParse(upload.Fields[PredictedLabelField], out var predicted))
        {
            labelErrors.Add(UnknownLabel(PredictedLabelField, upload.Fields[PredictedLabelField]));
        }

        if (labelErrors.Count > 0)
        {
            return new ApiError(StatusCodes.Status422UnprocessableEntity, string.Join("; ", labelErrors)).ToResult(request.HttpContext.Response);
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

        var entry = new FeedbackEntry(correct, predicted, upload.File, Convert.ToHexStringLower(SHA256.HashData(upload.File)), holder.Current?.Version);
        StoredFeedback stored;
        try
        {
            stored = await store.AddAsync(entry, cancellationToken);
        }
        catch (SqliteException ex) when (StorageFailures.ToError(ex, options.Value.UnavailableRetryAfterSeconds) is { } error)
        {
            LogStorageFailure(loggers.CreateLogger(typeof(FeedbackEndpoints)), ex, error.StatusCode);
            return error.ToResult(request.HttpContext.Response);
        }

        metrics.RecordFeedback(correct.Name(), predicted.Name());
        return TypedResults.Ok(new FeedbackStoredResponse(true, stored.Count, stored.Id));
    }

    private static async Task<Results<Ok<FeedbackCountResponse>, JsonHttpResult<ErrorResponse>>> GetCount(
        HttpResponse response, FeedbackStore store, IOptions<FeedbackOptions> options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(new FeedbackCountResponse(await store.CountAsync(cancellationToken)));
        }
        catch (SqliteException ex) when (StorageFailures.ToError(ex, options.Value.UnavailableRetryAfterSeconds) is { } error)
        {
            LogStorageFailure(loggers.CreateLogger(typeof(FeedbackEndpoints)), ex, error.StatusCode);
            return error.ToResult(response);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "the feedback store failed; answered {Status}")]
    private static partial void LogStorageFailure(ILogger logger, Exception exception, int status);

    private static string UnknownLabel(string field, string value) =>
        $"'{field}' is '{value}', not a class; expected one of {string.Join(", ", CellClasses.Names)} (any case) or an index 0-3";
}
