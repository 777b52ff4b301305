using System.Text.Json;
using System.Text.RegularExpressions;
using AllClassifier.Api.Tests.Infrastructure;

namespace AllClassifier.Api.Tests;

[Collection(ServingApiCollection.Name)]
public sealed partial class DocsTests(ServingApiFactory api)
{
    private readonly HttpClient _client = api.CreateClient();

    [Fact]
    public async Task OpenApi_document_describes_every_endpoint_with_a_summary_and_its_errors()
    {
        var document = JsonDocument.Parse(await _client.GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = document.GetProperty("paths");

        (string Path, string Method, string[] Statuses)[] expected =
        [
            ("/predict", "post", ["200", "400", "409", "413", "415", "422", "503", "500"]),
            ("/explain", "post", ["200", "400", "409", "413", "415", "422", "503", "500"]),
            ("/feedback", "post", ["200", "400", "413", "415", "422", "500"]),
            ("/feedback/count", "get", ["200", "500"]),
            ("/ping", "get", ["200"]),
            ("/model", "get", ["200", "503"]),
            ("/model/confusion-matrix.png", "get", ["200", "404", "503"]),
        ];
        foreach (var (path, method, statuses) in expected)
        {
            var operation = paths.GetProperty(path).GetProperty(method);
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), $"{method} {path} has no summary");
            var responses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
            Assert.All(statuses, status => Assert.Contains(status, responses));
        }

        var predictResponse = paths.GetProperty("/predict").GetProperty("post").GetProperty("responses").GetProperty("200").GetRawText();
        Assert.Contains("predicted_class", document.GetRawText());
        Assert.Contains("feedback_count", document.GetRawText());
        Assert.Contains("multipart/form-data", paths.GetProperty("/predict").GetProperty("post").GetProperty("requestBody").GetRawText());
        Assert.False(string.IsNullOrEmpty(predictResponse));
        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.Equal(
            ["correct_label", "file", "predicted_label"],
            schemas.GetProperty("FeedbackForm").GetProperty("properties").EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("binary", schemas.GetProperty("IFormFile").GetProperty("format").GetString());
        Assert.Contains("image/png", paths.GetProperty("/explain").GetProperty("post").GetProperty("responses").GetProperty("200").GetRawText());
        Assert.Contains("not a diagnosis", document.GetProperty("info").GetProperty("description").GetString());
        Assert.Contains("explain", paths.GetProperty("/predict").GetProperty("post").GetProperty("parameters").GetRawText());
    }

    [Fact]
    public async Task Docs_page_is_served_with_local_assets_only()
    {
        var page = await _client.GetAsync("/docs/");
        var html = await page.Content.ReadAsStringAsync();

        Assert.True(page.IsSuccessStatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var scripts = ScriptSources().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            Assert.DoesNotMatch("^(https?:)?//", script);
            var asset = await _client.GetAsync(new Uri(new Uri(_client.BaseAddress!, "/docs/"), script));
            Assert.True(asset.IsSuccessStatusCode, $"{script} is not served");
            Assert.True((await asset.Content.ReadAsByteArrayAsync()).Length > 1000, $"{script} is empty");
        }

        Assert.Contains("openapi/v1.json", html);
    }

    [GeneratedRegex("<script[^>]*src=\"([^\"]+)\"")]
    private static partial Regex ScriptSources();
}
