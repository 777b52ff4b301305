using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace AllClassifier.Web.Backend;

/// <summary>
/// Typed client of the classification API. Every failure surfaces as a <see cref="BackendException"/> whose message is
/// a sentence for the user; the technical cause is logged here.
/// </summary>
public sealed class BackendClient(HttpClient http, ILogger<BackendClient> logger)
{
    internal static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>The prediction with its heat map; without one when the serving model has no class activation map.</summary>
    public async Task<Prediction> PredictAsync(ImageFile image, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendAsync<Prediction>(() => PredictRequest(image, "predict?explain=true"), cancellationToken);
        }
        catch (BackendException e) when (e.StatusCode == HttpStatusCode.Conflict)
        {
            // A model composed before maps existed still classifies; the page then shows no heat map.
            return await SendAsync<Prediction>(() => PredictRequest(image, "predict"), cancellationToken);
        }
    }

    /// <summary>Stores a correction: the label the user says is right, the one the model gave, and the image.</summary>
    public Task<FeedbackReceipt> SendFeedbackAsync(
        ImageFile image, string correctLabel, string predictedLabel, CancellationToken cancellationToken = default) =>
        SendAsync<FeedbackReceipt>(() => new HttpRequestMessage(HttpMethod.Post, "feedback")
        {
            Content = new MultipartFormDataContent
            {
                { new StringContent(correctLabel), "correct_label" },
                { new StringContent(predictedLabel), "predicted_label" },
                ImagePart(image),
            },
        }, cancellationToken);

    /// <summary>
    /// Stores a correction of an earlier prediction by its id: the API uses the image it kept and records the model
    /// version that made the prediction, so the image is not sent again.
    /// </summary>
    public Task<FeedbackReceipt> SendFeedbackForPredictionAsync(
        string predictionId, string correctLabel, CancellationToken cancellationToken = default) =>
        SendAsync<FeedbackReceipt>(() => new HttpRequestMessage(HttpMethod.Post, "feedback")
        {
            Content = new MultipartFormDataContent
            {
                { new StringContent(predictionId), "prediction_id" },
                { new StringContent(correctLabel), "correct_label" },
            },
        }, cancellationToken);

    /// <summary>Opens a case for a sample, named by its accession or slide identifier.</summary>
    public Task<CaseDetail> CreateCaseAsync(string accession, CancellationToken cancellationToken = default) =>
        SendAsync<CaseDetail>(() => new HttpRequestMessage(HttpMethod.Post, "cases")
        {
            Content = JsonContent.Create(new { accession }, options: JsonOptions),
        }, cancellationToken);

    /// <summary>Cases with <paramref name="status"/> <c>open</c>, <c>signed</c> or <c>all</c>, newest first.</summary>
    public async Task<IReadOnlyList<CaseSummary>> ListCasesAsync(string status, CancellationToken cancellationToken = default) =>
        (await SendAsync<CaseList>(() => new HttpRequestMessage(HttpMethod.Get, $"cases?status={Uri.EscapeDataString(status)}"), cancellationToken))
        .Cases;

    public Task<CaseDetail> GetCaseAsync(string caseId, CancellationToken cancellationToken = default) =>
        SendAsync<CaseDetail>(() => new HttpRequestMessage(HttpMethod.Get, CasePath(caseId)), cancellationToken);

    /// <summary>Adds one image to a case; the API classifies it and keeps it until the case's retention ends.</summary>
    public Task<CaseImage> AddCaseImageAsync(string caseId, ImageFile image, CancellationToken cancellationToken = default) =>
        SendAsync<CaseImage>(() => new HttpRequestMessage(HttpMethod.Post, CasePath(caseId) + "/images")
        {
            Content = new MultipartFormDataContent { ImagePart(image) },
        }, cancellationToken);

    /// <summary>Records the caller's decision on a case image: one of the four classes or "NotAssessable".</summary>
    public Task<CaseImage> ReviewCaseImageAsync(
        string caseId, string predictionId, string decision, CancellationToken cancellationToken = default) =>
        SendAsync<CaseImage>(() => new HttpRequestMessage(HttpMethod.Post, CaseImagePath(caseId, predictionId) + "/review")
        {
            Content = JsonContent.Create(new { decision }, options: JsonOptions),
        }, cancellationToken);

    /// <summary>Signs the case off; refused while any image has no review.</summary>
    public Task<CaseDetail> SignOffCaseAsync(string caseId, CancellationToken cancellationToken = default) =>
        SendAsync<CaseDetail>(() => new HttpRequestMessage(HttpMethod.Post, CasePath(caseId) + "/signoff"), cancellationToken);

    /// <summary>Unreviewed images of open cases, referred first, then the least certain.</summary>
    public async Task<IReadOnlyList<QueueItem>> GetReviewQueueAsync(int limit, CancellationToken cancellationToken = default) =>
        (await SendAsync<ReviewQueue>(() => new HttpRequestMessage(HttpMethod.Get, $"review/queue?limit={limit}"), cancellationToken))
        .Items;

    /// <summary>Model–reviewer agreement per model version, from reviewed case images.</summary>
    public Task<ModelAgreement> GetModelAgreementAsync(CancellationToken cancellationToken = default) =>
        SendAsync<ModelAgreement>(() => new HttpRequestMessage(HttpMethod.Get, "model/agreement"), cancellationToken);

    /// <summary>A case image as uploaded (<paramref name="heatmap"/> false) or its heat map overlay PNG.</summary>
    public async Task<ImageContent> GetCaseImageContentAsync(
        string caseId, string predictionId, bool heatmap, CancellationToken cancellationToken = default)
    {
        var path = CaseImagePath(caseId, predictionId) + (heatmap ? "/heatmap" : "/image");
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = await SendRawAsync(request, cancellationToken);
        var content = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return new ImageContent(content, response.Content.Headers.ContentType?.MediaType ?? "application/octet-stream");
    }

    public Task<FeedbackCountAnswer> GetFeedbackCountAsync(CancellationToken cancellationToken = default) =>
        SendAsync<FeedbackCountAnswer>(() => new HttpRequestMessage(HttpMethod.Get, "feedback/count"), cancellationToken);

    /// <summary>The newest stored corrections, without images (an admin's review list).</summary>
    public async Task<IReadOnlyList<FeedbackRow>> ListFeedbackRowsAsync(int limit, CancellationToken cancellationToken = default) =>
        (await SendAsync<FeedbackRows>(() => new HttpRequestMessage(HttpMethod.Get, $"feedback/rows?limit={limit}"), cancellationToken)).Rows;

    /// <summary>Deletes one stored correction and its image.</summary>
    public Task<FeedbackDeletion> DeleteFeedbackRowAsync(long id, CancellationToken cancellationToken = default) =>
        SendAsync<FeedbackDeletion>(() => new HttpRequestMessage(HttpMethod.Delete, $"feedback/{id}"), cancellationToken);

    /// <summary>Every registered model version, newest first.</summary>
    public async Task<IReadOnlyList<ModelVersion>> ListModelVersionsAsync(CancellationToken cancellationToken = default) =>
        (await SendAsync<ModelVersions>(() => new HttpRequestMessage(HttpMethod.Get, "model/versions"), cancellationToken)).Versions;

    /// <summary>Makes a registered version the champion the API serves.</summary>
    public Task<Promotion> PromoteAsync(int version, CancellationToken cancellationToken = default) =>
        SendAsync<Promotion>(() => new HttpRequestMessage(HttpMethod.Post, $"model/versions/{version}/promote"), cancellationToken);

    /// <summary>The serving model's card. Before any model exists this throws with <see cref="BackendFailure.NoModel"/>.</summary>
    public async Task<ModelCard> GetModelAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendAsync<ModelCard>(() => new HttpRequestMessage(HttpMethod.Get, "model"), cancellationToken);
        }
        catch (BackendException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new BackendException(
                BackendFailure.NoModel,
                "No model is available yet: the classifier has not been trained. Please try again later.",
                e.StatusCode,
                e);
        }
    }

    private static string CasePath(string caseId) => "cases/" + Uri.EscapeDataString(caseId);

    private static string CaseImagePath(string caseId, string predictionId) =>
        CasePath(caseId) + "/images/" + Uri.EscapeDataString(predictionId);

    private static HttpRequestMessage PredictRequest(ImageFile image, string path) => new(HttpMethod.Post, path)
    {
        Content = new MultipartFormDataContent { ImagePart(image) },
    };

    private static ByteArrayContent ImagePart(ImageFile image)
    {
        var content = new ByteArrayContent(image.Content);
        content.Headers.ContentType = MediaTypeHeaderValue.TryParse(image.ContentType, out var mediaType)
            ? mediaType
            : new MediaTypeHeaderValue("application/octet-stream");
        // The API reads the part named "file" and, like the original client, sends the original file name.
        content.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data")
        {
            Name = "\"file\"",
            FileName = "\"" + SafeFileName(image.FileName) + "\"",
        };
        return content;
    }

    private static string SafeFileName(string fileName)
    {
        var name = Path.GetFileName(fileName);
        var safe = new string(name.Where(c => c >= ' ' && c < 127 && c is not '"' and not '\\').ToArray());
        return string.IsNullOrWhiteSpace(safe) ? "image" : safe;
    }

    private async Task<T> SendAsync<T>(Func<HttpRequestMessage> createRequest, CancellationToken cancellationToken)
    {
        using var request = createRequest();
        using var response = await SendRawAsync(request, cancellationToken);
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(JsonOptions, cancellationToken)
                ?? throw BackendException.Unreadable(response.StatusCode);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            logger.LogWarning(e, "The API's answer to {Method} {Path} was not the expected JSON", request.Method, request.RequestUri);
            throw BackendException.Unreadable(response.StatusCode, e);
        }
    }

    /// <summary>Sends <paramref name="request"/> and returns its successful answer, or throws the failure as a sentence.</summary>
    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Connection refused, DNS, timeouts and resilience rejections all mean the same to the user: no answer.
            logger.LogWarning(e, "The API did not answer {Method} {Path}", request.Method, request.RequestUri);
            throw BackendException.Unreachable(e);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var error = await ReadErrorAsync(response, cancellationToken);
            logger.LogInformation(
                "The API answered {Method} {Path} with {StatusCode} {Code}: {Detail}",
                request.Method, request.RequestUri, (int)response.StatusCode, error?.CodeText, error?.DetailText);
            throw BackendException.FromStatus(response.StatusCode, error?.CodeText, error?.DetailText);
        }
    }

    private static async Task<ErrorBody?> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<ErrorBody>(JsonOptions, cancellationToken);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            return null;
        }
    }
}
