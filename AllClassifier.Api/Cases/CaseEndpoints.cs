using AllClassifier.Feedback.Audit;
using System.Text.Json;
using AllClassifier.Api.Access;
using AllClassifier.Api.Audit;
using AllClassifier.Api.Errors;
using AllClassifier.Api.Explain;
using AllClassifier.Api.Predict;
using AllClassifier.Api.Uploads;
using AllClassifier.Model;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AllClassifier.Api.Cases;

/// <summary>
/// Cases (a sample, named by its accession), their images, reviews and sign-off; the review queue across open cases.
/// Every change is recorded in the audit chain with the caller (<c>X-Acting-User</c> behind the web app).
/// </summary>
public static class CaseEndpoints
{
    public const int MaxListedCases = 500;
    public const int MaxQueueItems = 500;

    public static IHostApplicationBuilder AddCases(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CaseService>();
        return builder;
    }

    public static IEndpointRouteBuilder MapCaseEndpoints(this IEndpointRouteBuilder app)
    {
        var cases = app.MapGroup("/cases").WithTags("Cases").RequireAuthorization(ApiPolicies.Feedback);
        cases.MapPost("", Create)
            .WithName("CreateCase")
            .WithSummary("Opens a case for an accession or slide id (JSON {\"accession\": \"S-24-0001\"}: 1-64 letters, digits or -_./).")
            .WithDescription("201 with the case. 409 case_exists while an open case has the accession; 422 invalid_accession.")
            .Produces<CaseDetail>(StatusCodes.Status201Created)
            .Produces<ErrorResponse>(StatusCodes.Status409Conflict)
            .Produces<ErrorResponse>(StatusCodes.Status422UnprocessableEntity);
        cases.MapGet("", List)
            .WithName("ListCases")
            .WithSummary("Cases newest first; 'status' open (default), signed or all; 'limit' 1-500 (default 200).")
            .Produces<ErrorResponse>(StatusCodes.Status422UnprocessableEntity);
        cases.MapGet("/{caseId}", Get)
            .WithName("GetCase")
            .WithSummary("A case with its images, their predictions and reviews, and the summary per class of the final decisions.")
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound);
        cases.MapPost("/{caseId}/images", AddImage)
            .WithName("AddCaseImage")
            .WithSummary("Classifies one image (multipart 'file', as /predict) into the case; 201 with the image and its prediction_id.")
            .WithDescription("Errors: as /predict, plus 404 unknown_case and 409 case_signed. Send several requests in parallel for several images.")
            .Accepts<PredictForm>("multipart/form-data")
            .ProducesUploadErrors()
            .Produces<CaseImage>(StatusCodes.Status201Created)
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status409Conflict);
        cases.MapGet("/{caseId}/images/{predictionId}/image", GetImage)
            .WithName("GetCaseImage")
            .WithSummary("The uploaded image's original bytes with their content type.")
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound);
        cases.MapGet("/{caseId}/images/{predictionId}/heatmap", GetHeatmap)
            .WithName("GetCaseImageHeatmap")
            .WithSummary("The heat map of the predicted class over the image (PNG, as POST /explain draws it); recorded as shown.")
            .WithDescription("Drawn by the model served now (header X-Model-Version names it). 409 when that model has no map.")
            .Produces<byte[]>(StatusCodes.Status200OK, "image/png")
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status409Conflict);
        cases.MapPost("/{caseId}/images/{predictionId}/review", Review)
            .WithName("ReviewCaseImage")
            .WithSummary("Records the reviewer's decision (JSON {\"decision\": \"Benign|Early|Pre|Pro|NotAssessable\"}); a later review replaces it.")
            .WithDescription(
                "A decision other than the prediction is also stored as a correction (a feedback row with the predicting model's " +
                "version) for retraining. 404 unknown_case / unknown_image, 409 case_signed, 422 invalid_decision.")
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status409Conflict)
            .Produces<ErrorResponse>(StatusCodes.Status422UnprocessableEntity);
        cases.MapPost("/{caseId}/signoff", SignOff)
            .WithName("SignOffCase")
            .WithSummary("Signs the case: read-only from then on.")
            .WithDescription("409 case_unreviewed while an image has no review, case_signed when already signed, case_empty without images.")
            .Produces<ErrorResponse>(StatusCodes.Status404NotFound)
            .Produces<ErrorResponse>(StatusCodes.Status409Conflict);

        app.MapGroup("/review").WithTags("Cases").RequireAuthorization(ApiPolicies.Feedback)
            .MapGet("/queue", Queue)
            .WithName("ReviewQueue")
            .WithSummary("Unreviewed images of open cases: referred first, then the least certain (lowest top-class probability).")
            .WithDescription($"'limit' 1-{MaxQueueItems}, default 50.")
            .Produces<ErrorResponse>(StatusCodes.Status422UnprocessableEntity);
        return app;
    }

    private static async Task<Results<Created<CaseDetail>, JsonHttpResult<ErrorResponse>>> Create(
        HttpContext context, CaseService service, CancellationToken cancellationToken)
    {
        var (body, bodyError) = await ReadJsonAsync<CreateCaseRequest>(context.Request, cancellationToken);
        if (bodyError is not null)
        {
            return bodyError.ToResult(context.Response);
        }

        var (created, error) = await service.CreateAsync(body!.Accession, CallerName.Of(context), cancellationToken);
        return error is not null ? error.ToResult(context.Response) : TypedResults.Created($"/cases/{created!.CaseId}", created);
    }

    private static async Task<Results<Ok<CaseList>, JsonHttpResult<ErrorResponse>>> List(
        HttpResponse response, AuditLedger ledger, CancellationToken cancellationToken, string? status = null, int limit = 200)
    {
        var where = (status ?? CaseStore.Open).ToLowerInvariant() switch
        {
            CaseStore.Open => "c.status = 'open'",
            CaseStore.Signed => "c.status = 'signed'",
            "all" => "1 = 1",
            _ => null,
        };
        if (where is null)
        {
            return new ApiError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.InvalidStatus, $"'status' is '{status}'; expected open, signed or all").ToResult(response);
        }

        if (limit is < 1 or > MaxListedCases)
        {
            return new ApiError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.InvalidLimit, $"'limit' must be between 1 and {MaxListedCases}").ToResult(response);
        }

        return TypedResults.Ok(new CaseList(await ledger.ReadAsync(connection => CaseStore.ListAsync(connection, null, where, cancellationToken, limit), cancellationToken)));
    }

    private static async Task<Results<Ok<CaseDetail>, JsonHttpResult<ErrorResponse>>> Get(
        string caseId, HttpResponse response, AuditLedger ledger, CancellationToken cancellationToken) =>
        await ledger.ReadAsync(connection => CaseStore.DetailAsync(connection, null, caseId, cancellationToken), cancellationToken) is { } detail
            ? TypedResults.Ok(detail)
            : CaseService.UnknownCase(caseId).ToResult(response);

    private static async Task<Results<Created<CaseImage>, JsonHttpResult<ErrorResponse>>> AddImage(
        string caseId,
        HttpRequest request,
        MultipartUploadReader reader,
        PredictionService predictions,
        CaseService service,
        CancellationToken cancellationToken)
    {
        var response = request.HttpContext.Response;

        // Checked before the upload is classified, so a signed or unknown case costs no inference; checked again when
        // the image is stored, in case it was signed meanwhile.
        if (await service.CheckWritableAsync(caseId, cancellationToken) is { } refused)
        {
            return refused.ToResult(response);
        }

        var (upload, uploadError) = await reader.ReadAsync(request, [], cancellationToken);
        if (uploadError is not null)
        {
            return uploadError.ToResult(response);
        }

        var (prediction, error) = await predictions.PredictAsync(upload!.File, null, cancellationToken);
        if (error is not null)
        {
            return error.ToResult(response);
        }

        var (image, storeError) = await service.AddImageAsync(caseId, prediction!, upload, CallerName.Of(request.HttpContext), cancellationToken);
        return storeError is not null
            ? storeError.ToResult(response)
            : TypedResults.Created($"/cases/{caseId}/images/{image!.PredictionId}/image", image);
    }

    private static async Task<Results<FileContentHttpResult, JsonHttpResult<ErrorResponse>>> GetImage(
        string caseId, string predictionId, HttpResponse response, AuditLedger ledger, TimeProvider time, CancellationToken cancellationToken)
    {
        var found = await ledger.ReadAsync(connection => PredictionLookup.FindAsync(connection, null, predictionId, time.GetUtcNow(), cancellationToken), cancellationToken);
        return found is { Image: { } bytes } && found.CaseId == caseId
            ? TypedResults.File(bytes, found.ContentType)
            : CaseService.UnknownImage(caseId, predictionId).ToResult(response);
    }

    private static async Task<Results<FileContentHttpResult, JsonHttpResult<ErrorResponse>>> GetHeatmap(
        string caseId,
        string predictionId,
        HttpContext context,
        AuditLedger ledger,
        TimeProvider time,
        PredictionService predictions,
        CaseService service,
        CancellationToken cancellationToken)
    {
        var found = await ledger.ReadAsync(connection => PredictionLookup.FindAsync(connection, null, predictionId, time.GetUtcNow(), cancellationToken), cancellationToken);
        if (found is not { Image: { } bytes } || found.CaseId != caseId)
        {
            return CaseService.UnknownImage(caseId, predictionId).ToResult(context.Response);
        }

        var (explained, error) = await predictions.PredictAsync(bytes, new ExplainRequest((CellClass)found.Data.PredictedClass), cancellationToken);
        if (error is not null)
        {
            return error.ToResult(context.Response);
        }

        await service.RecordHeatmapShownAsync(caseId, predictionId, explained!.ModelVersion, explained.Explanation!.ClassName, CallerName.Of(context), cancellationToken);
        context.Response.Headers[ExplainEndpoints.ExplainedClassHeader] = explained.Explanation.ClassName;
        context.Response.Headers["X-Model-Version"] = explained.ModelVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.File(explained.Explanation.OverlayPng, "image/png");
    }

    private static async Task<Results<Ok<CaseImage>, JsonHttpResult<ErrorResponse>>> Review(
        string caseId, string predictionId, HttpContext context, CaseService service, CancellationToken cancellationToken)
    {
        var (body, bodyError) = await ReadJsonAsync<ReviewRequest>(context.Request, cancellationToken);
        if (bodyError is not null)
        {
            return bodyError.ToResult(context.Response);
        }

        var (image, error) = await service.ReviewAsync(caseId, predictionId, body!.Decision, CallerName.Of(context), cancellationToken);
        return error is not null ? error.ToResult(context.Response) : TypedResults.Ok(image!);
    }

    private static async Task<Results<Ok<CaseDetail>, JsonHttpResult<ErrorResponse>>> SignOff(
        string caseId, HttpContext context, CaseService service, CancellationToken cancellationToken)
    {
        var (signed, error) = await service.SignOffAsync(caseId, CallerName.Of(context), cancellationToken);
        return error is not null ? error.ToResult(context.Response) : TypedResults.Ok(signed!);
    }

    private static async Task<Results<Ok<QueueResponse>, JsonHttpResult<ErrorResponse>>> Queue(
        HttpResponse response, AuditLedger ledger, CancellationToken cancellationToken, int limit = 50)
    {
        if (limit is < 1 or > MaxQueueItems)
        {
            return new ApiError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.InvalidLimit, $"'limit' must be between 1 and {MaxQueueItems}").ToResult(response);
        }

        var images = await ledger.ReadAsync(
            connection => CaseStore.ImagesAsync(
                connection, null, "c.status = 'open' AND i.decision IS NULL", "i.refer DESC, i.top_probability ASC, i.uploaded_ts, i.prediction_id", cancellationToken, limit),
            cancellationToken);
        return TypedResults.Ok(new QueueResponse([.. images.Select(stored => ToQueueItem(stored))]));
    }

    private static QueueItem ToQueueItem(StoredCaseImage stored)
    {
        var i = stored.Image;
        return new QueueItem(
            i.PredictionId, i.FileName, i.UploadedAt, i.UploadedBy, i.Probabilities, i.PredictedClass, i.ClassName, i.ModelVersion,
            i.Refer, i.ReferReasons, i.OodScore, i.Review, stored.CaseId, stored.Accession);
    }

    private static async Task<(T? Body, ApiError? Error)> ReadJsonAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return (null, new ApiError(StatusCodes.Status415UnsupportedMediaType, ErrorCodes.NotJson, "the request body must be application/json"));
        }

        try
        {
            return await request.ReadFromJsonAsync<T>(cancellationToken) is { } body
                ? (body, null)
                : (null, new ApiError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.InvalidBody, "the JSON body is empty"));
        }
        catch (JsonException ex)
        {
            return (null, new ApiError(StatusCodes.Status422UnprocessableEntity, ErrorCodes.InvalidBody, $"the JSON body is malformed: {ex.Message}"));
        }
    }
}
