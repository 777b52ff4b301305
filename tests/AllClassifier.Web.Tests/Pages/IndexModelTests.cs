using System.Net;
using AllClassifier.Web.Classify;
using AllClassifier.Web.Pages;
using AllClassifier.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace AllClassifier.Web.Tests.Pages;

public sealed class IndexModelTests
{
    private static readonly byte[] Image = ApiSamples.TinyPng;

    private static FakeBackendHandler Backend(int feedbackCount = 12) => new(request => request.Path switch
    {
        "/predict" => FakeBackendHandler.Json(HttpStatusCode.OK, ApiSamples.PredictionPre),
        "/feedback" => FakeBackendHandler.Json(HttpStatusCode.OK, $$"""{"stored":true,"feedback_count":{{feedbackCount}}}"""),
        _ => FakeBackendHandler.Detail(HttpStatusCode.NotFound, "Not Found"),
    });

    [Fact]
    public async Task Predict_sends_the_upload_as_the_file_part_and_preselects_the_predicted_label()
    {
        var backend = Backend();
        var page = PageModelHarness.Index(backend);
        page.Upload = PageModelHarness.FormFile(Image, "smear 1.png");

        var result = await page.OnPostPredictAsync(CancellationToken.None);

        Assert.IsType<PageResult>(result);
        Assert.Null(page.ErrorMessage);
        var request = Assert.Single(backend.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/predict", request.Path);
        var file = Assert.Single(request.Files);
        Assert.Equal(("file", "smear 1.png", "image/png"), (file.Name, file.FileName, file.ContentType));
        Assert.Equal(Image, file.Content);

        var prediction = page.Classification!.Prediction;
        Assert.Equal(2, prediction.PredictedClass);
        Assert.Equal("Pre-B", prediction.PredictedDisplayName);
        Assert.Equal(0.7, prediction.Confidence, 6);
        Assert.Equal([0.05, 0.15, 0.7, 0.1], prediction.Probabilities);
        Assert.Equal("Pre", page.CorrectLabel);
        Assert.Matches("^[0-9a-f]{32}$", page.Token);
    }

    [Fact]
    public async Task Feedback_sends_the_kept_image_with_the_chosen_and_predicted_labels()
    {
        var backend = Backend(feedbackCount: 13);
        var store = PageModelHarness.Store();
        var predict = PageModelHarness.Index(backend, store);
        predict.Upload = PageModelHarness.FormFile(Image);
        await predict.OnPostPredictAsync(CancellationToken.None);

        // A new page model, as for the next request: only the token and the chosen label come from the form.
        var feedback = PageModelHarness.Index(backend, store);
        feedback.Token = predict.Token;
        feedback.CorrectLabel = "Early";
        await feedback.OnPostFeedbackAsync(CancellationToken.None);

        Assert.Null(feedback.ErrorMessage);
        Assert.Equal(13, feedback.Receipt!.FeedbackCount);
        var request = backend.Requests[^1];
        Assert.Equal("/feedback", request.Path);
        Assert.Equal("Early", request.Fields["correct_label"]);
        Assert.Equal("Pre", request.Fields["predicted_label"]);
        Assert.Equal(Image, Assert.Single(request.Files).Content);
        Assert.Equal("Pre-B", feedback.Classification!.Prediction.PredictedDisplayName);
    }

    [Fact]
    public async Task Feedback_names_the_prediction_id_and_sends_no_image_again()
    {
        var backend = new FakeBackendHandler(request => request.Path switch
        {
            "/predict" => FakeBackendHandler.Json(HttpStatusCode.OK, ApiSamples.PredictionWithId),
            _ => FakeBackendHandler.Json(HttpStatusCode.OK, """{"stored":true,"feedback_count":4}"""),
        });
        var store = PageModelHarness.Store();
        var predict = PageModelHarness.Index(backend, store);
        predict.Upload = PageModelHarness.FormFile(Image);
        await predict.OnPostPredictAsync(CancellationToken.None);
        Assert.Equal("Pre", predict.CorrectLabel);

        var feedback = PageModelHarness.Index(backend, store);
        feedback.Token = predict.Token;
        feedback.CorrectLabel = "Pro";
        await feedback.OnPostFeedbackAsync(CancellationToken.None);

        Assert.Null(feedback.ErrorMessage);
        Assert.Equal(4, feedback.Receipt!.FeedbackCount);
        var request = backend.Requests[^1];
        Assert.Equal("/feedback", request.Path);
        Assert.Empty(request.Files);
        Assert.Equal("01JBX3Q5ZP8V6W4K2M0N7R9T1C", request.Fields["prediction_id"]);
        Assert.Equal("Pro", request.Fields["correct_label"]);
        Assert.False(request.Fields.ContainsKey("predicted_label"));
    }

    [Fact]
    public async Task A_referred_image_preselects_no_class_and_takes_not_assessable()
    {
        var backend = new FakeBackendHandler(request => request.Path switch
        {
            "/predict" => FakeBackendHandler.Json(HttpStatusCode.OK, ApiSamples.PredictionReferred),
            _ => FakeBackendHandler.Json(HttpStatusCode.OK, """{"stored":true,"feedback_count":1}"""),
        });
        var store = PageModelHarness.Store();
        var predict = PageModelHarness.Index(backend, store);
        predict.Upload = PageModelHarness.FormFile(Image);
        await predict.OnPostPredictAsync(CancellationToken.None);

        var prediction = predict.Classification!.Prediction;
        Assert.True(prediction.Refer);
        Assert.Equal(["out_of_focus", "unlike_training_images"], prediction.ReferReasons);
        Assert.Equal(41.2, prediction.OodScore);
        Assert.Null(predict.CorrectLabel);

        var feedback = PageModelHarness.Index(backend, store);
        feedback.Token = predict.Token;
        feedback.CorrectLabel = "NotAssessable";
        await feedback.OnPostFeedbackAsync(CancellationToken.None);

        Assert.Null(feedback.ErrorMessage);
        Assert.Equal("NotAssessable", backend.Requests[^1].Fields["correct_label"]);
        Assert.Equal("01JBX3Q5ZP8V6W4K2M0N7R9T2D", backend.Requests[^1].Fields["prediction_id"]);
    }

    [Theory]
    [InlineData(HttpStatusCode.Gone, "prediction_expired")]
    [InlineData(HttpStatusCode.NotFound, "unknown_prediction")]
    public async Task A_correction_the_api_no_longer_has_the_image_for_asks_for_the_image_again(HttpStatusCode status, string code)
    {
        var backend = new FakeBackendHandler(request => request.Path switch
        {
            "/predict" => FakeBackendHandler.Json(HttpStatusCode.OK, ApiSamples.PredictionWithId),
            _ => FakeBackendHandler.Error(status, code, "no image is kept for this prediction"),
        });
        var store = PageModelHarness.Store();
        var predict = PageModelHarness.Index(backend, store);
        predict.Upload = PageModelHarness.FormFile(Image);
        await predict.OnPostPredictAsync(CancellationToken.None);

        var feedback = PageModelHarness.Index(backend, store);
        feedback.Token = predict.Token;
        feedback.CorrectLabel = "Early";
        await feedback.OnPostFeedbackAsync(CancellationToken.None);

        Assert.Null(feedback.Receipt);
        Assert.Equal("This image is no longer available for a correction. Please upload it again.", feedback.ErrorMessage);
    }

    [Fact]
    public async Task Feedback_with_an_unknown_token_asks_for_the_image_again_and_sends_nothing()
    {
        var backend = Backend();
        var page = PageModelHarness.Index(backend);
        page.Token = new string('a', 32);
        page.CorrectLabel = "Early";

        await page.OnPostFeedbackAsync(CancellationToken.None);

        Assert.Equal("This image is no longer available for a correction. Please upload it again.", page.ErrorMessage);
        Assert.Empty(backend.Requests);
    }

    [Fact]
    public async Task Feedback_with_a_label_outside_the_four_classes_is_refused_before_the_backend()
    {
        var backend = Backend();
        var store = PageModelHarness.Store();
        var predict = PageModelHarness.Index(backend, store);
        predict.Upload = PageModelHarness.FormFile(Image);
        await predict.OnPostPredictAsync(CancellationToken.None);

        var page = PageModelHarness.Index(backend, store);
        page.Token = predict.Token;
        page.CorrectLabel = "Monocyte";
        await page.OnPostFeedbackAsync(CancellationToken.None);

        Assert.Equal("Choose the correct class from the list, or \"Not assessable\".", page.ErrorMessage);
        Assert.Equal("Pre", page.CorrectLabel);
        Assert.DoesNotContain(backend.Requests, r => r.Path == "/feedback");
    }

    [Fact]
    public async Task Upload_over_the_limit_is_explained_without_calling_the_backend()
    {
        var backend = Backend();
        var page = PageModelHarness.Index(backend, uploads: new UploadOptions { MaxBytes = 2048 });
        page.Upload = PageModelHarness.FormFile(new byte[4096]);

        await page.OnPostPredictAsync(CancellationToken.None);

        Assert.Equal("The image is too large (4 KB); the limit is 2 KB.", page.ErrorMessage);
        Assert.Empty(backend.Requests);
        Assert.Null(page.Classification);
    }

    [Fact]
    public async Task Predict_without_a_file_asks_for_one()
    {
        var backend = Backend();
        var page = PageModelHarness.Index(backend);

        await page.OnPostPredictAsync(CancellationToken.None);

        Assert.Equal("Choose a JPEG or PNG image to classify.", page.ErrorMessage);
        Assert.Empty(backend.Requests);
    }

    [Fact]
    public async Task Backend_down_is_a_sentence()
    {
        var page = PageModelHarness.Index(FakeBackendHandler.Unreachable());
        page.Upload = PageModelHarness.FormFile(Image);

        await page.OnPostPredictAsync(CancellationToken.None);

        Assert.Equal("The classification service cannot be reached right now. Please try again in a moment.", page.ErrorMessage);
        Assert.Null(page.Classification);
        Assert.Null(page.Token);
    }

    [Fact]
    public async Task Non_image_upload_shows_the_api_detail_as_a_sentence()
    {
        var backend = new FakeBackendHandler(_ =>
            FakeBackendHandler.Error(HttpStatusCode.UnsupportedMediaType, "unsupported_format", "unsupported image format; send JPEG, PNG or BMP"));
        var page = PageModelHarness.Index(backend);
        page.Upload = PageModelHarness.FormFile("hello, not an image"u8.ToArray(), "notes.png");

        await page.OnPostPredictAsync(CancellationToken.None);

        Assert.Equal("The image was not accepted: unsupported image format; send JPEG, PNG or BMP.", page.ErrorMessage);
        Assert.Null(page.Classification);
    }

    [Fact]
    public async Task No_model_yet_is_explained()
    {
        var backend = new FakeBackendHandler(_ => FakeBackendHandler.Error(HttpStatusCode.ServiceUnavailable, "no_model", "no model is available yet"));
        var page = PageModelHarness.Index(backend);
        page.Upload = PageModelHarness.FormFile(Image);

        await page.OnPostPredictAsync(CancellationToken.None);

        Assert.Equal("No model is available yet: the classifier has not been trained. Please try again later.", page.ErrorMessage);
    }

    [Fact]
    public async Task A_scripted_post_receives_only_the_result_panel()
    {
        var page = PageModelHarness.Index(Backend(), fragment: true);
        page.Upload = PageModelHarness.FormFile(Image);

        var result = await page.OnPostPredictAsync(CancellationToken.None);

        var partial = Assert.IsType<PartialViewResult>(result);
        Assert.Equal(IndexModel.PanelPartial, partial.ViewName);
        Assert.Same(page, partial.Model);
    }

    [Fact]
    public async Task The_kept_image_is_served_back_by_its_token_only()
    {
        var store = PageModelHarness.Store();
        var predict = PageModelHarness.Index(Backend(), store);
        predict.Upload = PageModelHarness.FormFile(Image);
        await predict.OnPostPredictAsync(CancellationToken.None);

        var page = PageModelHarness.Index(Backend(), store);
        var file = Assert.IsType<FileContentResult>(await page.OnGetImageAsync(predict.Token, CancellationToken.None));
        Assert.Equal(Image, file.FileContents);
        Assert.Equal("image/png", file.ContentType);
        Assert.IsType<NotFoundResult>(await page.OnGetImageAsync(new string('b', 32), CancellationToken.None));
        Assert.IsType<NotFoundResult>(await page.OnGetImageAsync("../../etc/passwd", CancellationToken.None));
    }
}
