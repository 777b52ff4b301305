using System.Net.Http.Json;
using System.Text.Json;

namespace AllClassifier.Api.Tests.Infrastructure;

public static class ApiAssert
{
    /// <summary>
    /// Asserts the status and a JSON body <c>{"detail": "...", "code": "..."}</c> with the given stable code and a
    /// detail that mentions <paramref name="fragment"/>.
    /// </summary>
    public static async Task<string> ErrorAsync(HttpResponseMessage response, int status, string code, string fragment)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        var detail = json.RootElement.GetProperty("detail").GetString();
        Assert.False(string.IsNullOrWhiteSpace(detail));
        Assert.Contains(fragment, detail, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(code, json.RootElement.GetProperty("code").GetString());
        return detail!;
    }

    public static async Task<JsonElement> OkJsonAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"expected success, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task<long> FeedbackCountAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/feedback/count")).GetProperty("feedback_count").GetInt64();
}
