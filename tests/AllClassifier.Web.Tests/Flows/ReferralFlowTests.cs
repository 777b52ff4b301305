using System.Net;
using AllClassifier.Web.Tests.Infrastructure;

namespace AllClassifier.Web.Tests.Flows;

/// <summary>A referred image on the Classify page, rendered by the app over HTTP without JavaScript.</summary>
public sealed class ReferralFlowTests : WebWithFakeBackend
{
    [Fact]
    public async Task A_referred_image_is_headlined_as_a_referral_with_plain_reasons_and_no_preselected_class()
    {
        using var client = await Web.CreateSignedInClientAsync();

        using var predicted = await FormPoster.PredictAsync(client, ApiSamples.TinyPng, "blurry field.png", "image/png");
        var html = await predicted.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, predicted.StatusCode);
        Assert.Equal("Refer to a technologist", FormPoster.TestIdText(html, "referral-headline"));
        Assert.Contains(">Out of focus</li>", html);
        Assert.Contains(">Unlike the images the model was trained on</li>", html);
        // The class is not the headline: no predicted-class element, the bars sit inside the folded details.
        Assert.Equal(0, FormPoster.CountTestId(html, "predicted-class"));
        Assert.Matches("<details class=\"model-output\" data-testid=\"model-output\">[\\s\\S]*data-testid=\"probabilities\"", html);
        Assert.Contains("<option value=\"\" selected=\"selected\">", html);
        Assert.DoesNotContain("<option value=\"Pre\" selected=\"selected\">", html);
        Assert.Contains("<option value=\"NotAssessable\">Not assessable (not a smear / unusable image)</option>", html);

        var token = FormPoster.HiddenValue(html, "Token")!;
        var antiforgery = FormPoster.HiddenValue(html, "__RequestVerificationToken")!;
        using var answered = await FormPoster.FeedbackAsync(client, antiforgery, token, "NotAssessable");
        var receipt = await answered.Content.ReadAsStringAsync();

        Assert.Contains("The correction <strong>Not assessable (not a smear / unusable image)</strong> is stored", receipt);
        var feedback = Assert.Single(Backend.Requests, r => r.Path == "/feedback");
        Assert.Equal("NotAssessable", feedback.Fields["correct_label"]);
        Assert.Equal("01JBX3Q5ZP8V6W4K2M0N7R9T2D", feedback.Fields["prediction_id"]);
        Assert.False(feedback.Fields.ContainsKey("predicted_label"));
    }
}
