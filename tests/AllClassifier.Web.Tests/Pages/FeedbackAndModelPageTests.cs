using System.Net;
using AllClassifier.Web.Tests.Infrastructure;

namespace AllClassifier.Web.Tests.Pages;

public sealed class FeedbackAndModelPageTests
{
    [Fact]
    public async Task Feedback_page_shows_the_count_and_the_distance_to_the_threshold()
    {
        var backend = FakeBackendHandler.Answering(HttpStatusCode.OK, """{"feedback_count":42}""");
        var page = PageModelHarness.Feedback(backend, threshold: 100);

        await page.OnGetAsync(CancellationToken.None);

        Assert.Equal("/feedback/count", Assert.Single(backend.Requests).Path);
        Assert.Equal(42, page.Progress!.FeedbackCount);
        Assert.Equal(58, page.Progress.Remaining);
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

        Assert.Equal("/model", Assert.Single(backend.Requests).Path);
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
