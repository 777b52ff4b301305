using System.Net;
using AllClassifier.Web.Tests.Infrastructure;

namespace AllClassifier.Web.Tests.Flows;

/// <summary>API failures reach the user as one sentence, at once: a correction is never sent twice, and a refusal the
/// API means for the user is not retried.</summary>
public sealed class BackendFailureTests : IAsyncLifetime
{
    private FakeBackendServer backend = null!;
    private WebAppFactory web = null!;

    public async Task InitializeAsync()
    {
        backend = await FakeBackendServer.StartAsync();
        web = new WebAppFactory(backend.Address);
    }

    public async Task DisposeAsync()
    {
        await web.DisposeAsync();
        await backend.DisposeAsync();
    }

    [Fact]
    public async Task No_model_yet_is_shown_once_without_retries()
    {
        backend.Failures["/predict"] = (503, "no_model", "no model is available yet");
        using var client = await web.CreateSignedInClientAsync();

        using var response = await FormPoster.PredictAsync(client, ApiSamples.TinyPng, "cell.png", "image/png");

        Assert.Equal(
            "No model is available yet: the classifier has not been trained. Please try again later.",
            FormPoster.TestIdText(await response.Content.ReadAsStringAsync(), "error"));
        Assert.Equal(1, backend.CountRequests("/predict"));
    }

    [Fact]
    public async Task A_failed_correction_is_not_sent_again()
    {
        using var client = await web.CreateSignedInClientAsync();
        using var predicted = await FormPoster.PredictAsync(client, ApiSamples.TinyPng, "cell.png", "image/png");
        var html = await predicted.Content.ReadAsStringAsync();
        backend.Failures["/feedback"] = (500, "server_error", "server error");

        using var corrected = await FormPoster.FeedbackAsync(
            client, FormPoster.HiddenValue(html, "__RequestVerificationToken")!, FormPoster.HiddenValue(html, "Token")!, "Pro");

        Assert.Equal(HttpStatusCode.OK, corrected.StatusCode);
        Assert.Equal(
            "The classification service failed to process the request. Please try again.",
            FormPoster.TestIdText(await corrected.Content.ReadAsStringAsync(), "error"));
        Assert.Equal(1, backend.CountRequests("/feedback"));
    }

    [Fact]
    public async Task A_read_that_meets_a_gateway_failure_is_retried_twice()
    {
        backend.Failures["/feedback/count"] = (502, null, "bad gateway");
        using var client = await web.CreateSignedInClientAsync();

        var html = await client.GetStringAsync("/Feedback");

        Assert.Equal("The classification service failed to process the request. Please try again.", FormPoster.TestIdText(html, "error"));
        Assert.Equal(3, backend.CountRequests("/feedback/count"));
    }
}
