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

    public async Task<int> GetFeedbackCountAsync(CancellationToken cancellationToken = default) =>
        (await SendAsync<FeedbackCountAnswer>(() => new HttpRequestMessage(HttpMethod.Get, "feedback/count"), cancellationToken))
        .FeedbackCount;

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

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var error = await ReadErrorAsync(response, cancellationToken);
                logger.LogInformation(
                    "The API answered {Method} {Path} with {StatusCode} {Code}: {Detail}",
                    request.Method, request.RequestUri, (int)response.StatusCode, error?.CodeText, error?.DetailText);
                throw BackendException.FromStatus(response.StatusCode, error?.CodeText, error?.DetailText);
            }

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
