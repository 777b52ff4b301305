using System.Net;
using AllClassifier.Web.Pages;
using AllClassifier.Web.Tests.Infrastructure;

namespace AllClassifier.Web.Tests.Pages;

public sealed class FeedbackAndModelPageTests
{
    [Fact]
    public async Task Feedback_page_measures_the_distance_to_the_threshold_from_the_rows_pending_since_training()
    {
        var backend = FakeBackendHandler.Answering(
            HttpStatusCode.OK, """{"feedback_count":142,"pending_since_training":42,"threshold":100,"trained_up_to":100}""");
        var page = PageModelHarness.Feedback(backend);

        await page.OnGetAsync(CancellationToken.None);

        Assert.Equal("/feedback/count", Assert.Single(backend.Requests).Path);
        Assert.Equal(142, page.Progress!.FeedbackCount);
        Assert.Equal(42, page.Progress.PendingSinceTraining);
        Assert.Equal(58, page.Progress.Remaining);
        Assert.False(page.Progress.ThresholdReached);
        Assert.Null(page.ErrorMessage);
    }

    [Fact]
    public async Task Feedback_page_with_the_backend_down_shows_a_sentence()
    {
        var page = PageModelHarness.Feedback(FakeBackendHandler.Unreachable());

        await page.OnGetAsync(CancellationToken.None);

        Assert.Null(page.Progress);
        Assert.Equal("The classification service cannot be reached right now. Please try again in a moment.", page.ErrorMessage);
    }

    [Fact]
    public async Task Model_page_reads_the_snake_case_model_card()
    {
        var backend = FakeBackendHandler.Answering(HttpStatusCode.OK, ApiSamples.ModelCard);
        var page = PageModelHarness.Model(backend);

        await page.OnGetAsync(CancellationToken.None);

        Assert.Equal(["/model", "/model/agreement"], backend.Requests.Select(r => r.Path).Order());
        var card = page.Card!;
        Assert.Equal(3, card.Version);
        Assert.Equal(new DateTimeOffset(2025, 3, 4, 10, 20, 30, TimeSpan.Zero), card.Created);
        Assert.Equal(2, card.ParentVersion);
        Assert.Equal("run-7f3a", card.RunId);
        Assert.Equal(0.9375, card.Metrics!.Accuracy);
        Assert.Equal(0.9312, card.Metrics.MacroF1);
        Assert.Equal(64, card.Metrics.TestCount);
        Assert.Equal(["Benign", "Early", "Pre", "Pro"], card.Metrics.PerClass!.Select(c => c.Class));
        Assert.Equal(0.95, card.Metrics.PerClass![1].Recall);
        Assert.Equal(16, card.Metrics.ConfusionMatrix![3][3]);
        Assert.Equal("Early Pre-B", page.ClassDisplayName(1));
        Assert.Equal(0.021, card.Metrics.Calibration!.ExpectedCalibrationError);
        Assert.Equal(0.064, card.Metrics.Calibration.UncalibratedExpectedCalibrationError);
        Assert.Equal(3, card.Metrics.Calibration.Bins!.Count);
        Assert.True(card.ReferralGate!.Present);
        Assert.Equal(0.99, card.ReferralGate.Coverage);
        Assert.Equal(50, card.ReferralGate.NotAssessableCount);
        Assert.Equal(0.94, card.ReferralGate.NotAssessableReferralRate);
    }

    [Fact]
    public async Task Model_page_shows_the_card_when_agreement_is_not_available()
    {
        var backend = new FakeBackendHandler(request => request.Path == "/model"
            ? FakeBackendHandler.Json(HttpStatusCode.OK, ApiSamples.ModelCard)
            : FakeBackendHandler.Error(HttpStatusCode.ServiceUnavailable, "storage_unavailable", "the audit store is not reachable"));
        var page = PageModelHarness.Model(backend);

        await page.OnGetAsync(CancellationToken.None);

        Assert.Equal(3, page.Card!.Version);
        Assert.Null(page.ErrorMessage);
        Assert.Null(page.Agreement);
        Assert.NotNull(page.AgreementError);
    }

    [Fact]
    public async Task Model_page_orders_agreement_newest_version_first()
    {
        var backend = new FakeBackendHandler(request => request.Path == "/model"
            ? FakeBackendHandler.Json(HttpStatusCode.OK, ApiSamples.ModelCard)
            : FakeBackendHandler.Json(HttpStatusCode.OK, """
                {"versions":[{"model_version":2,"reviewed":10,"agreement":0.8,"kappa":0.7,"per_class":[]},
                 {"model_version":3,"reviewed":40,"agreement":0.95,"kappa":0.91,"per_class":[{"class_name":"Benign","reviewed":10,"agreed":9,"agreement":0.9}]}]}
                """));
        var page = PageModelHarness.Model(backend);

        await page.OnGetAsync(CancellationToken.None);

        var agreement = page.Agreement!;
        Assert.Equal([3, 2], agreement.Select(v => v.ModelVersion));
        Assert.Equal(0.91, agreement[0].Kappa);
        Assert.Equal(9, agreement[0].PerClass!.Single().Agreed);
    }

    [Fact]
    public void Reliability_diagram_draws_one_bar_per_non_empty_bin_as_high_as_its_accuracy()
    {
        var diagram = new ReliabilityDiagram(
        [
            new(0.5, 0.6, 0, 0, 0),
            new(0.8, 0.9, 4, 0.85, 0.75),
            new(0.9, 1.0, 60, 0.97, 1.0),
        ]);

        Assert.Equal(2, diagram.Bars.Count);
        var (partial, full) = (diagram.Bars[0], diagram.Bars[1]);
        Assert.Equal(ReliabilityDiagram.X(0.8), partial.X, 1e-9);
        Assert.Equal(ReliabilityDiagram.PlotSize * 0.1, partial.Width, 1e-9);
        Assert.Equal(ReliabilityDiagram.PlotSize * 0.75, partial.Height, 1e-9);
        Assert.Equal(ReliabilityDiagram.Y(1), full.Y, 1e-9);
        Assert.Equal(ReliabilityDiagram.Y(0.85), partial.ConfidenceY, 1e-9);
        Assert.Contains("4 images", partial.Title);
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, "no_model", "no model is available yet")]
    [InlineData(HttpStatusCode.NotFound, "not_found", "no champion model")]
    public async Task Model_page_before_any_model_says_so(HttpStatusCode status, string code, string detail)
    {
        var page = PageModelHarness.Model(new FakeBackendHandler(_ => FakeBackendHandler.Error(status, code, detail)));

        await page.OnGetAsync(CancellationToken.None);

        Assert.Null(page.Card);
        Assert.Equal("No model is available yet: the classifier has not been trained. Please try again later.", page.ErrorMessage);
    }

    [Fact]
    public async Task Model_page_with_an_unreadable_answer_says_so()
    {
        var page = PageModelHarness.Model(new FakeBackendHandler(_ => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent("<html>proxy error</html>"),
        }));

        await page.OnGetAsync(CancellationToken.None);

        Assert.Equal("The classification service gave an answer that could not be read. Please try again.", page.ErrorMessage);
    }
}
