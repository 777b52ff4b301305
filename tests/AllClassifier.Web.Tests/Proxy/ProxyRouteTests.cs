using System.Net;
using System.Net.Http.Headers;
using AllClassifier.Web.Tests.Infrastructure;

namespace AllClassifier.Web.Tests.Proxy;

public sealed class ProxyRouteTests : IAsyncLifetime
{
    private FakeBackendServer backend = null!;
    private WebAppFactory web = null!;

    public async Task InitializeAsync()
    {
        backend = await FakeBackendServer.StartAsync(initialFeedbackCount: 5);
        web = new WebAppFactory(backend.Address);
    }

    public async Task DisposeAsync()
    {
        await web.DisposeAsync();
        await backend.DisposeAsync();
    }

    [Fact]
    public async Task Api_predict_reaches_the_backend_without_the_prefix_and_passes_the_body_both_ways()
    {
        using var client = web.CreateClient();
        var file = new ByteArrayContent(ApiSamples.TinyPng);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var form = new MultipartFormDataContent { { file, "file", "cell.png" } };
        var sentLength = (await form.ReadAsByteArrayAsync()).Length;

        using var response = await client.PostAsync("/api/predict", form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ApiSamples.PredictionPre, await response.Content.ReadAsStringAsync());
        var seen = Assert.Single(backend.Requests);
        Assert.Equal(("POST", "/predict"), (seen.Method, seen.Path));
        Assert.StartsWith("multipart/form-data", seen.ContentType);
        Assert.Equal(sentLength, seen.BodyLength);
    }

    [Fact]
    public async Task Api_feedback_count_is_forwarded_to_feedback_count()
    {
        using var client = web.CreateClient();

        var body = await client.GetStringAsync("/api/feedback/count");

        Assert.Equal("""{"feedback_count":5}""", body);
        var seen = Assert.Single(backend.Requests);
        Assert.Equal(("GET", "/feedback/count"), (seen.Method, seen.Path));
    }

    [Fact]
    public async Task Backend_errors_pass_through_unchanged()
    {
        using var client = web.CreateClient();
        using var form = new MultipartFormDataContent { { new ByteArrayContent("plain text"u8.ToArray()), "file", "notes.txt" } };

        using var response = await client.PostAsync("/api/predict", form);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("""{"detail":"the file is not a JPEG, PNG or BMP image","code":"unsupported_format"}""", await response.Content.ReadAsStringAsync());
    }
}
