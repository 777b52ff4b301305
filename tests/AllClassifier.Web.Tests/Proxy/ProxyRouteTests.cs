using System.Net;
using System.Net.Http.Headers;
using AllClassifier.Web.Backend;
using AllClassifier.Web.Tests.Infrastructure;

namespace AllClassifier.Web.Tests.Proxy;

public sealed class ProxyRouteTests() : WebWithFakeBackend(initialFeedbackCount: 5)
{
    [Fact]
    public async Task Api_feedback_count_is_forwarded_with_the_key_and_the_signed_in_name_but_not_the_cookies()
    {
        using var client = await Web.CreateSignedInClientAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/feedback/count");
        // A browser cannot pick the key or the name the API records.
        request.Headers.Add(BackendCredentials.ApiKeyHeader, "browser-chosen-key");
        request.Headers.Add(BackendCredentials.ActingUserHeader, "someone-else");

        using var response = await client.SendAsync(request);

        Assert.Equal(
            """{"feedback_count":5,"pending_since_training":4,"threshold":7,"trained_up_to":1}""",
            await response.Content.ReadAsStringAsync());
        Assert.True(response.Headers.CacheControl?.NoStore, "proxied answers are not cached");
        var seen = Assert.Single(Backend.Requests);
        Assert.Equal(("GET", "/feedback/count"), (seen.Method, seen.Path));
        Assert.Equal(WebAppFactory.ApiKey, seen.Headers[BackendCredentials.ApiKeyHeader]);
        Assert.Equal(WebAppFactory.ReviewerName, seen.Headers[BackendCredentials.ActingUserHeader]);
        Assert.False(seen.Headers.ContainsKey("Cookie"), "the browser's cookies stay with the web app");
    }

    [Fact]
    public async Task The_model_card_and_confusion_matrix_are_forwarded()
    {
        using var client = await Web.CreateSignedInClientAsync();

        Assert.Equal(ApiSamples.ModelCard, await client.GetStringAsync("/api/model"));
        Assert.Equal(ApiSamples.TinyPng, await client.GetByteArrayAsync("/api/model/confusion-matrix.png?v=1"));
    }

    [Theory]
    [InlineData("POST", "/api/predict")]
    [InlineData("POST", "/api/feedback")]
    [InlineData("DELETE", "/api/feedback/1")]
    [InlineData("GET", "/api/metrics")]
    [InlineData("GET", "/api/docs")]
    [InlineData("GET", "/api/openapi/v1.json")]
    [InlineData("POST", "/api/feedback/count")]
    public async Task Nothing_outside_the_allow_list_reaches_the_api(string method, string path)
    {
        using var client = await Web.CreateSignedInClientAsync();
        using var form = new MultipartFormDataContent { { new ByteArrayContent(ApiSamples.TinyPng), "file", "cell.png" } };

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "GET" ? null : form });

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed });
        Assert.Empty(Backend.Requests);
    }

    [Fact]
    public async Task Signed_out_callers_get_401_and_nothing_is_forwarded()
    {
        using var client = Web.CreateClient();

        using var response = await client.GetAsync("/api/feedback/count");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(Backend.Requests);
    }

    [Fact]
    public async Task A_cross_origin_form_post_to_api_feedback_stores_nothing()
    {
        using var client = await Web.CreateSignedInClientAsync();
        var file = new ByteArrayContent(ApiSamples.TinyPng);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/feedback")
        {
            Content = new MultipartFormDataContent
            {
                { new StringContent("Benign"), "correct_label" },
                { new StringContent("Pro"), "predicted_label" },
                { file, "file", "cell.png" },
            },
        };
        request.Headers.Add("Origin", "https://attacker.example");

        using var response = await client.SendAsync(request);

        Assert.False(response.IsSuccessStatusCode);
        Assert.Equal(0, Backend.CountRequests("/feedback"));
        Assert.Equal(5, Backend.FeedbackCount);
    }

    [Fact]
    public async Task Backend_errors_pass_through_unchanged()
    {
        Backend.Failures["/model"] = (503, "no_model", "no model is available yet");
        using var client = await Web.CreateSignedInClientAsync();

        using var response = await client.GetAsync("/api/model");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("""{"detail":"no model is available yet","code":"no_model"}""", await response.Content.ReadAsStringAsync());
    }
}
