using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AllClassifier.Api.Access;
using AllClassifier.Api.Tests.Infrastructure;

namespace AllClassifier.Api.Tests.Audit;

/// <summary>Requests of the audit and case endpoints as the web app sends them: its key and the signed-in person.</summary>
public static class AuditApi
{
    public const string WebKey = "audit-web-key-5c1d";

    public static Dictionary<string, string?> KeyedSettings(IReadOnlyDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?> { ["Auth:ApiKeys:web"] = WebKey };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    public static HttpRequestMessage As(HttpMethod method, string path, string? person = "alice", HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, WebKey);
        if (person is not null)
        {
            request.Headers.Add(CallerName.ActingUserHeader, person);
        }

        return request;
    }

    public static async Task<JsonElement> PredictAsync(HttpClient client, byte[] image, string person = "alice") =>
        await ApiAssert.OkJsonAsync(await client.SendAsync(As(HttpMethod.Post, "/predict", person, Forms.Image(image))));

    public static async Task<JsonElement> CreateCaseAsync(HttpClient client, string accession, string person = "alice")
    {
        var response = await client.SendAsync(As(HttpMethod.Post, "/cases", person, JsonContent.Create(new { accession })));
        Assert.Equal(201, (int)response.StatusCode);
        return await ApiAssert.OkJsonAsync(response);
    }

    public static async Task<JsonElement> UploadAsync(HttpClient client, string caseId, byte[] image, string fileName, string person = "alice")
    {
        var response = await client.SendAsync(As(HttpMethod.Post, $"/cases/{caseId}/images", person, Forms.Image(image, fileName)));
        Assert.True(201 == (int)response.StatusCode, await response.Content.ReadAsStringAsync());
        return await ApiAssert.OkJsonAsync(response);
    }

    public static Task<HttpResponseMessage> ReviewAsync(HttpClient client, string caseId, string predictionId, string decision, string person = "bob") =>
        client.SendAsync(As(HttpMethod.Post, $"/cases/{caseId}/images/{predictionId}/review", person, JsonContent.Create(new { decision })));

    public static async Task<JsonElement> VerifyAsync(HttpClient client) =>
        await ApiAssert.OkJsonAsync(await client.SendAsync(As(HttpMethod.Get, "/audit/verify")));

    public static MultipartFormDataContent CorrectionByPrediction(string predictionId, string correctLabel) => new()
    {
        { new StringContent(predictionId), "prediction_id" },
        { new StringContent(correctLabel), "correct_label" },
    };

    public static MediaTypeHeaderValue Json { get; } = new("application/json");
}
