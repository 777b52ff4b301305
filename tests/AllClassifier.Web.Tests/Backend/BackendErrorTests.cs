using System.Net;
using AllClassifier.Model;
using AllClassifier.Web.Backend;
using AllClassifier.Web.Tests.Infrastructure;

namespace AllClassifier.Web.Tests.Backend;

public sealed class BackendErrorTests
{
    [Theory]
    [InlineData(HttpStatusCode.UnsupportedMediaType, "unsupported_format", "unsupported image format", BackendFailure.Rejected, "The image was not accepted: unsupported image format.")]
    [InlineData(HttpStatusCode.UnprocessableEntity, "corrupt_image", "The image is corrupt.", BackendFailure.Rejected, "The image was not accepted: the image is corrupt.")]
    [InlineData(HttpStatusCode.BadRequest, "malformed_request", "the multipart body is malformed", BackendFailure.Rejected, "The image was not accepted: the multipart body is malformed.")]
    [InlineData(HttpStatusCode.UnprocessableEntity, "empty_image", "the file is empty", BackendFailure.Rejected, "The image was not accepted: the file is empty.")]
    [InlineData(HttpStatusCode.RequestEntityTooLarge, "image_too_large", "the body is larger than 10 MB", BackendFailure.TooLarge, "The image is too large: the body is larger than 10 MB.")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "no_model", "no model is available yet", BackendFailure.NoModel, "No model is available yet: the classifier has not been trained. Please try again later.")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "no_model", "the serving model is being replaced", BackendFailure.NoModel, "No model is available yet: the classifier has not been trained. Please try again later.")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "busy", "no model slot is free", BackendFailure.Busy, "The classification service is busy right now. Please try again in a few seconds.")]
    [InlineData(HttpStatusCode.InternalServerError, "server_error", "server error", BackendFailure.Failed, "The classification service failed to process the request. Please try again.")]
    public async Task Each_error_code_becomes_a_plain_sentence_whatever_the_detail_says(HttpStatusCode status, string code, string detail, BackendFailure failure, string message)
    {
        var client = PageModelHarness.Client(new FakeBackendHandler(_ => FakeBackendHandler.Error(status, code, detail)));

        var error = await Assert.ThrowsAsync<BackendException>(() =>
            client.PredictAsync(new ImageFile("a.png", "image/png", ApiSamples.TinyPng)));

        Assert.Equal(failure, error.Failure);
        Assert.Equal(message, error.Message);
        Assert.Equal(status, error.StatusCode);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, "no model is available yet", BackendFailure.Busy)]
    [InlineData(HttpStatusCode.TooManyRequests, "slow down", BackendFailure.Busy)]
    [InlineData(HttpStatusCode.UnsupportedMediaType, "GIF images are not supported", BackendFailure.Rejected)]
    [InlineData(HttpStatusCode.RequestEntityTooLarge, "too big", BackendFailure.TooLarge)]
    [InlineData(HttpStatusCode.BadGateway, "bad gateway", BackendFailure.Failed)]
    public async Task An_answer_without_a_code_is_judged_by_its_status_alone(HttpStatusCode status, string detail, BackendFailure failure)
    {
        var client = PageModelHarness.Client(new FakeBackendHandler(_ => FakeBackendHandler.Detail(status, detail)));

        var error = await Assert.ThrowsAsync<BackendException>(() =>
            client.PredictAsync(new ImageFile("a.png", "image/png", ApiSamples.TinyPng)));

        Assert.Equal(failure, error.Failure);
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
    public void Every_code_the_web_app_acts_on_is_one_the_api_sends()
    {
        var apiCodes = typeof(AllClassifier.Api.Errors.ErrorCodes)
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Select(field => (string)field.GetRawConstantValue()!)
            .ToHashSet();

        Assert.Subset(apiCodes, ApiErrorCodes.Rejections.Append(ApiErrorCodes.NoModel).Append(ApiErrorCodes.Busy).Append(ApiErrorCodes.ImageTooLarge).ToHashSet());
    }

    [Fact]
    public void Class_labels_match_the_model_library()
    {
        Assert.Equal(CellClasses.Names, ClassLabels.Names);
        Assert.Equal(CellClasses.DisplayNames, ClassLabels.DisplayNames);
    }
}
