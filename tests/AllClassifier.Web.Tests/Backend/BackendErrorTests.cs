using System.Net;
using AllClassifier.Model;
using AllClassifier.Web.Backend;
using AllClassifier.Web.Tests.Infrastructure;

namespace AllClassifier.Web.Tests.Backend;

public sealed class BackendErrorTests
{
    [Theory]
    [InlineData(HttpStatusCode.UnsupportedMediaType, "unsupported image format", BackendFailure.Rejected, "The image was not accepted: unsupported image format.")]
    [InlineData(HttpStatusCode.BadRequest, "The image is corrupt.", BackendFailure.Rejected, "The image was not accepted: the image is corrupt.")]
    [InlineData(HttpStatusCode.UnsupportedMediaType, "GIF images are not supported", BackendFailure.Rejected, "The image was not accepted: GIF images are not supported.")]
    [InlineData(HttpStatusCode.UnprocessableEntity, "the file is empty", BackendFailure.Rejected, "The image was not accepted: the file is empty.")]
    [InlineData(HttpStatusCode.RequestEntityTooLarge, "the body is larger than 10 MB", BackendFailure.TooLarge, "The image is too large: the body is larger than 10 MB.")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "no model is available yet", BackendFailure.NoModel, "No model is available yet: the classifier has not been trained. Please try again later.")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "the inference queue is full", BackendFailure.Busy, "The classification service is busy right now. Please try again in a few seconds.")]
    [InlineData(HttpStatusCode.InternalServerError, "server error", BackendFailure.Failed, "The classification service failed to process the request. Please try again.")]
    public async Task Each_error_status_becomes_a_plain_sentence(HttpStatusCode status, string detail, BackendFailure failure, string message)
    {
        var client = PageModelHarness.Client(new FakeBackendHandler(_ => FakeBackendHandler.Detail(status, detail)));

        var error = await Assert.ThrowsAsync<BackendException>(() =>
            client.PredictAsync(new ImageFile("a.png", "image/png", ApiSamples.TinyPng)));

        Assert.Equal(failure, error.Failure);
        Assert.Equal(message, error.Message);
        Assert.Equal(status, error.StatusCode);
    }

    [Fact]
    public async Task A_model_without_a_heat_map_still_gives_a_prediction()
    {
        var calls = 0;
        var handler = new FakeBackendHandler(_ => ++calls == 1
            ? FakeBackendHandler.Detail(HttpStatusCode.Conflict, "the served model (version 1) has no class activation map")
            : FakeBackendHandler.Json(HttpStatusCode.OK, ApiSamples.PredictionPre));
        var client = PageModelHarness.Client(handler);

        var prediction = await client.PredictAsync(new ImageFile("a.png", "image/png", ApiSamples.TinyPng));

        Assert.Equal(2, prediction.PredictedClass);
        Assert.Null(prediction.Explanation);
        Assert.Equal(["/predict", "/predict"], handler.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task The_heat_map_comes_with_the_prediction()
    {
        var client = PageModelHarness.Client(FakeBackendHandler.Answering(HttpStatusCode.OK, ApiSamples.PredictionPreExplained));

        var prediction = await client.PredictAsync(new ImageFile("a.png", "image/png", ApiSamples.TinyPng));

        Assert.Equal("Pre-B", prediction.Explanation!.DisplayName);
        Assert.Equal(ApiSamples.TinyPng, prediction.Explanation.OverlayPng);
    }

    [Fact]
    public async Task An_error_without_a_json_detail_still_reads_well()
    {
        var client = PageModelHarness.Client(new FakeBackendHandler(_ => new HttpResponseMessage(HttpStatusCode.RequestEntityTooLarge)
        {
            Content = new StringContent("<html>413</html>", System.Text.Encoding.UTF8, "text/html"),
        }));

        var error = await Assert.ThrowsAsync<BackendException>(() => client.GetFeedbackCountAsync());

        Assert.Equal("The image is too large for the classifier.", error.Message);
    }

    [Fact]
    public void Class_labels_match_the_model_library()
    {
        Assert.Equal(CellClasses.Names, ClassLabels.Names);
        Assert.Equal(CellClasses.DisplayNames, ClassLabels.DisplayNames);
    }
}
