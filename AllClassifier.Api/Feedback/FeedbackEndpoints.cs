using AllClassifier.Api.Errors;
using AllClassifier.Api.Serving;
using AllClassifier.Api.Telemetry;
using AllClassifier.Api.Uploads;
using AllClassifier.Model;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Settings;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AllClassifier.Api.Feedback;

public static class FeedbackEndpoints
{
    public const string CorrectLabelField = "correct_label";
    public const string PredictedLabelField = "predicted_label";

    public static IHostApplicationBuilder AddFeedback(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FeedbackOptions>()
            .Bind(builder.Configuration.GetSection(FeedbackOptions.SectionName))
            .Configure<IConfiguration>((options, configuration) =>
            {
                if (configuration[SharedSettings.FeedbackDirectory] is { Length: > 0 } directory)
                {
                    options.Directory = directory;
                }
            });
        builder.Services.AddSingleton<FeedbackWriter>();
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
                "truncated image, or dimensions out of bounds. Nothing is stored on any error.")
            .Accepts<FeedbackForm>("multipart/form-data")
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<ErrorResponse>(StatusCodes.Status413PayloadTooLarge)
            .Produces<ErrorResponse>(StatusCodes.Status415UnsupportedMediaType)
            .Produces<ErrorResponse>(StatusCodes.Status422UnprocessableEntity)
            .Produces<ErrorResponse>(StatusCodes.Status500InternalServerError);

        group.MapGet("/count", GetCount)
            .WithName("GetFeedbackCount")
            .WithSummary("The number of stored feedback rows.")
            .Produces<ErrorResponse>(StatusCodes.Status500InternalServerError);

        return app;
    }

    private static async Task<Results<Ok<FeedbackStoredResponse>, JsonHttpResult<ErrorResponse>>> PostFeedback(
        HttpRequest request,
        MultipartUploadReader reader,
        ImagePreprocessor preprocessor,
        FeedbackWriter feedback,
        ModelHolder holder,
        ClassifierMetrics metrics,
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
            return new ApiError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.UnknownLabel, string.Join("; ", labelErrors)).ToResult(request.HttpContext.Response);
        }

        try
        {
            // Decoded in full, not just its header: the trainer must never find an unreadable image in the table.
            preprocessor.LoadResized(upload.File).Dispose();
        }
        catch (ImageRejectedException rejection)
        {
            return rejection.ToError().ToResult(request.HttpContext.Response);
        }

        var entry = new FeedbackEntry(correct, predicted, upload.File, ImageHash.Sha256(upload.File), holder.Current?.Version);
        var count = await feedback.AddAsync(entry, cancellationToken);
        metrics.RecordFeedback(correct.Name(), predicted.Name());
        return TypedResults.Ok(new FeedbackStoredResponse(true, count));
    }

    private static async Task<Ok<FeedbackCountResponse>> GetCount(FeedbackWriter feedback, CancellationToken cancellationToken) =>
        TypedResults.Ok(new FeedbackCountResponse(await feedback.CountAsync(cancellationToken)));

    private static string UnknownLabel(string field, string value) =>
        $"'{field}' is '{value}', not a class; expected one of {string.Join(", ", CellClasses.Names)} (any case) or an index 0-3";
}
