using AllClassifier.Model;
using AllClassifier.Model.Synthetic;
using AllClassifier.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace AllClassifier.Web.Tests.Browser;

public sealed class ClassifyInBrowserTests(ChromiumFixture chromium, ITestOutputHelper output)
    : IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private FakeBackendServer backend = null!;
    private WebAppFactory web = null!;
    private Uri webAddress = null!;

    public async Task InitializeAsync()
    {
        backend = await FakeBackendServer.StartAsync(initialFeedbackCount: 4);
        web = new WebAppFactory(backend.Address);
        webAddress = web.StartOnLoopback();
    }

    public async Task DisposeAsync()
    {
        await web.DisposeAsync();
        await backend.DisposeAsync();
    }

    [Fact]
    public async Task Upload_predict_and_correct_without_a_page_reload()
    {
        var image = new SmearGenerator(seed: 7).GenerateJpeg(CellClass.Early, 0);
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = webAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        // Survives only if the page is never reloaded: the script posts the forms itself.
        await page.EvaluateAsync("() => { window.sameDocument = true; }");

        await page.Locator("#upload").SetInputFilesAsync(new FilePayload { Name = "smear.jpg", MimeType = "image/jpeg", Buffer = image });
        await Assertions.Expect(page.Locator("#preview")).ToBeVisibleAsync();
        await page.Locator("#predict-button").ClickAsync();

        var bars = page.Locator("[data-testid=probability]");
        await Assertions.Expect(bars).ToHaveCountAsync(4);
        var predicted = page.Locator("[data-testid=predicted-class]");
        var predictedName = await predicted.GetAttributeAsync("data-class");
        Assert.Contains(predictedName, ClassLabelsInOrder);
        Assert.Equal(await predicted.InnerTextAsync(), CellClasses.DisplayNames[Array.IndexOf(ClassLabelsInOrder, predictedName)]);
        Assert.Equal(predictedName, await page.Locator("#correct-label").InputValueAsync());

        var countBefore = backend.FeedbackCount;
        var correction = ClassLabelsInOrder.First(name => name != predictedName);
        await page.Locator("#correct-label").SelectOptionAsync(correction);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("classify-result.png"), FullPage = true });
        await page.Locator("#feedback-button").ClickAsync();

        var count = page.Locator("[data-testid=feedback-count]");
        await Assertions.Expect(count).ToHaveTextAsync((countBefore + 1).ToString());
        Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("classify-feedback.png"), FullPage = true });

        await page.GotoAsync("/Feedback");
        await Assertions.Expect(page.Locator("[data-testid=feedback-count]")).ToHaveTextAsync((countBefore + 1).ToString());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("feedback.png"), FullPage = true });
        await page.GotoAsync("/Model");
        await Assertions.Expect(page.Locator("[data-testid=model-version]")).ToHaveTextAsync("v3");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("model.png"), FullPage = true });
    }

    private static readonly string[] ClassLabelsInOrder = [.. CellClasses.Names];

    private string Screenshot(string name)
    {
        var path = Path.Combine(ChromiumFixture.ArtifactsDirectory(), name);
        output.WriteLine($"Screenshot: {path}");
        return path;
    }
}
