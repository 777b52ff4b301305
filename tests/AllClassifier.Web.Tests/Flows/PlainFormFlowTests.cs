using System.Net;
using AllClassifier.Web.Tests.Infrastructure;

namespace AllClassifier.Web.Tests.Flows;

/// <summary>The whole app over HTTP as a browser without JavaScript uses it, against a fake API on loopback.</summary>
public sealed class PlainFormFlowTests : IAsyncLifetime
{
    private FakeBackendServer backend = null!;

    public async Task InitializeAsync() => backend = await FakeBackendServer.StartAsync();

    public async Task DisposeAsync() => await backend.DisposeAsync();

    [Fact]
    public async Task Predict_then_correct_with_plain_form_posts()
    {
        await using var web = new WebAppFactory(backend.Address);
        using var client = await web.CreateSignedInClientAsync();

        using var predicted = await FormPoster.PredictAsync(client, ApiSamples.TinyPng, "cell.png", "image/png");
        var html = await predicted.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, predicted.StatusCode);
        Assert.Equal("Pre-B", FormPoster.TestIdText(html, "predicted-class"));
        Assert.Equal("70.0%", FormPoster.TestIdText(html, "confidence"));
        Assert.Equal(4, FormPoster.CountTestId(html, "probability"));
        Assert.Contains("<option value=\"Pre\" selected=\"selected\">Pre-B</option>", html);
        var token = FormPoster.HiddenValue(html, "Token")!;
        var antiforgery = FormPoster.HiddenValue(html, "__RequestVerificationToken")!;

        using var image = await client.GetAsync($"/?handler=Image&token={token}");
        Assert.Equal(ApiSamples.TinyPng, await image.Content.ReadAsByteArrayAsync());
        Assert.Equal("Pre-B", FormPoster.TestIdText(html, "explained-class"));
        using var overlay = await client.GetAsync($"/?handler=Overlay&token={token}");
        Assert.Equal("image/png", overlay.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ApiSamples.TinyPng, await overlay.Content.ReadAsByteArrayAsync());
        using var unknown = await client.GetAsync($"/?handler=Overlay&token={new string('0', 32)}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        using var corrected = await FormPoster.FeedbackAsync(client, antiforgery, token, "Early");
        var receipt = await corrected.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, corrected.StatusCode);
        Assert.Equal("1", FormPoster.TestIdText(receipt, "feedback-count"));
        Assert.Contains("The correction <strong>Early Pre-B</strong> is stored", receipt);
        var feedback = Assert.Single(backend.Requests, r => r.Path == "/feedback");
        Assert.Equal("Early", feedback.Fields["correct_label"]);
        Assert.Equal("Pre", feedback.Fields["predicted_label"]);
    }

    [Fact]
    public async Task Non_image_upload_shows_the_api_detail_as_a_sentence()
    {
        await using var web = new WebAppFactory(backend.Address);
        using var client = await web.CreateSignedInClientAsync();

        using var response = await FormPoster.PredictAsync(client, "just some text"u8.ToArray(), "notes.png", "image/png");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("The image was not accepted: the file is not a JPEG, PNG or BMP image.", FormPoster.TestIdText(html, "error"));
        Assert.Equal(0, FormPoster.CountTestId(html, "probability"));
    }

    [Fact]
    public async Task Backend_down_gives_sentences_on_every_page_and_no_stack_trace()
    {
        await using var web = new WebAppFactory(WebAppFactory.ClosedLoopbackAddress());
        using var client = await web.CreateSignedInClientAsync();
        const string sentence = "The classification service cannot be reached right now. Please try again in a moment.";

        using var predicted = await FormPoster.PredictAsync(client, ApiSamples.TinyPng, "cell.png", "image/png");
        var predictHtml = await predicted.Content.ReadAsStringAsync();
        var feedbackHtml = await client.GetStringAsync("/Feedback");
        var modelHtml = await client.GetStringAsync("/Model");

        foreach (var html in new[] { predictHtml, feedbackHtml, modelHtml })
        {
            Assert.Equal(sentence, FormPoster.TestIdText(html, "error"));
            Assert.DoesNotContain("Exception", html);
            Assert.DoesNotContain("   at ", html);
        }
    }

    [Fact]
    public async Task Feedback_page_shows_the_pending_rows_and_the_threshold_the_API_reports_not_a_setting_of_its_own()
    {
        // FB_THRESH here must not matter: the gate is the trainer's, which the API reports.
        await using var threeRows = await FakeBackendServer.StartAsync(initialFeedbackCount: 3);
        await using var web = new WebAppFactory(threeRows.Address, new Dictionary<string, string?> { ["FB_THRESH"] = "50" });
        using var client = await web.CreateSignedInClientAsync();

        var html = await client.GetStringAsync("/Feedback");

        Assert.Equal("3", FormPoster.TestIdText(html, "feedback-count"));
        Assert.Equal("2", FormPoster.TestIdText(html, "feedback-pending"));
        Assert.Equal("7", FormPoster.TestIdText(html, "feedback-threshold"));
        Assert.Equal("5", FormPoster.TestIdText(html, "feedback-remaining"));
    }

    [Fact]
    public async Task Model_page_warns_that_a_model_without_a_referral_gate_answers_every_image_with_a_class()
    {
        await using var ungated = await FakeBackendServer.StartAsync(modelCard: ApiSamples.ModelCardWithoutGate);
        await using var web = new WebAppFactory(ungated.Address);
        using var client = await web.CreateSignedInClientAsync();

        var html = await client.GetStringAsync("/Model");

        Assert.Contains("has no referral gate", FormPoster.TestIdText(html, "referral-absent"));
        Assert.Contains("trained before referral gates", FormPoster.TestIdText(html, "referral-absent"));
        Assert.DoesNotContain("data-testid=\"referral-coverage\"", html);
    }

    [Fact]
    public async Task Model_page_shows_version_metrics_and_the_proxied_confusion_matrix()
    {
        await using var web = new WebAppFactory(backend.Address);
        using var client = await web.CreateSignedInClientAsync();

        var html = await client.GetStringAsync("/Model");

        Assert.Equal("v3", FormPoster.TestIdText(html, "model-version"));
        Assert.Equal("2025-03-04 10:20 UTC", FormPoster.TestIdText(html, "model-created"));
        Assert.Equal("93.8%", FormPoster.TestIdText(html, "model-accuracy"));
        Assert.Equal("0.931", FormPoster.TestIdText(html, "model-macro-f1"));
        Assert.Equal("from a linear probe trained beside the head", FormPoster.TestIdText(html, "heat-map-variant"));
        Assert.Contains("src=\"/api/model/confusion-matrix.png?v=3\"", html);
        Assert.Equal("0.021 (0.064 before temperature scaling)", FormPoster.TestIdText(html, "model-ece"));
        Assert.Equal("99%", FormPoster.TestIdText(html, "referral-coverage"));
        Assert.Equal("1.3% of 64", FormPoster.TestIdText(html, "referral-test"));
        Assert.Equal("47 of 50 referred (94.0%)", FormPoster.TestIdText(html, "referral-not-assessable"));
        Assert.Contains("<svg class=\"reliability\" data-testid=\"reliability-diagram\"", html);
        Assert.Equal(2, html.Split("fill-opacity=\"0.8\"").Length - 1);
        Assert.Equal(ApiSamples.TinyPng, await client.GetByteArrayAsync("/api/model/confusion-matrix.png?v=3"));
    }

    [Fact]
    public async Task Oversized_uploads_are_explained_in_a_sentence()
    {
        await using var web = new WebAppFactory(backend.Address, new Dictionary<string, string?> { ["Uploads:MaxBytes"] = "4096" });
        using var client = await web.CreateSignedInClientAsync();

        using var overLimit = await FormPoster.PredictAsync(client, new byte[6000], "big.png", "image/png");
        Assert.Equal("The image is too large (5.9 KB); the limit is 4 KB.", FormPoster.TestIdText(await overLimit.Content.ReadAsStringAsync(), "error"));

        // Far beyond the limit the form is not even read; the error page explains it.
        using var farOver = await FormPoster.PredictAsync(client, new byte[1024 * 1024], "huge.png", "image/png");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, farOver.StatusCode);
        Assert.Equal("Images up to 4 KB are accepted. Please choose a smaller file.", FormPoster.TestIdText(await farOver.Content.ReadAsStringAsync(), "error"));
        Assert.DoesNotContain(backend.Requests, r => r.Path == "/predict");
    }
}
