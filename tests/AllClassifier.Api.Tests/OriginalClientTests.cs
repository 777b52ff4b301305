using System.Net.Http.Headers;
using System.Text.Json;
using AllClassifier.Api.Tests.Infrastructure;

namespace AllClassifier.Api.Tests;

/// <summary>Requests built exactly as the original Streamlit client built them, read the way it read them.</summary>
[Collection(ServingApiCollection.Name)]
public sealed class OriginalClientTests(ServingApiFactory api)
{
    private static readonly string[] Classes = ["Benign", "Early", "Pre", "Pro"];

    [Theory]
    [InlineData("IMG_0042.jpg", "image/jpeg")]
    [InlineData("scan 7.png", "image/png")]
    public async Task Predict_then_feedback_as_the_original_client_did(string uploadName, string contentType)
    {
        using var client = api.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(60);
        var bytes = contentType == "image/png" ? TestImages.Png(seed: 71) : TestImages.Jpeg(seed: 71);

        using var predictForm = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        predictForm.Add(file, "file", uploadName);
        var prediction = JsonDocument.Parse(await (await client.PostAsync("/predict", predictForm)).Content.ReadAsStringAsync()).RootElement;
        var shown = Classes[prediction.GetProperty("predicted_class").GetInt32()];
        Assert.Equal(4, prediction.GetProperty("probabilities").GetArrayLength());

        var correct = shown == "Pre" ? "Early" : "Pre";
        using var feedbackForm = new MultipartFormDataContent
        {
            { new StringContent(correct), "correct_label" },
            { new StringContent(shown), "predicted_label" },
        };
        var again = new ByteArrayContent(bytes);
        again.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        feedbackForm.Add(again, "file", uploadName);
        var reply = JsonDocument.Parse(await (await client.PostAsync("/feedback", feedbackForm)).Content.ReadAsStringAsync()).RootElement;

        // The client's success test: feedback_count is present.
        Assert.True(reply.TryGetProperty("feedback_count", out var count));
        Assert.True(count.GetInt64() >= 1);
        Assert.True(reply.GetProperty("stored").GetBoolean());
        var row = FeedbackDatabase.Last(api.DatabasePath);
        Assert.Equal((correct, shown), (row.Correct, row.Predicted));
    }
}
