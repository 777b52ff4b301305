using AllClassifier.Model;
using AllClassifier.Training.Synthetic;
using AllClassifier.Web.Staff;
using AllClassifier.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace AllClassifier.Web.Tests.Browser;

/// <summary>Chromium, the real API and the web app, both on Kestrel at 127.0.0.1, shared by the browser tests.</summary>
public sealed class BrowserStack : IAsyncLifetime
{
    private WebAppFactory web = null!;

    public ChromiumFixture Chromium { get; } = new();

    public RealApi Api { get; private set; } = null!;

    public Uri WebAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Chromium.InitializeAsync();
        Api = await RealApi.StartAsync();
        web = new WebAppFactory(Api.Address);
        WebAddress = web.StartOnLoopback();
    }

    public async Task DisposeAsync()
    {
        await web.DisposeAsync();
        await Api.DisposeAsync();
        await Chromium.DisposeAsync();
    }

    public WebAppFactory Web => web;

    /// <summary>A browser context signed in as the reviewer through the sign-in page.</summary>
    public async Task<IBrowserContext> NewContextAsync(bool javaScript)
    {
        var context = await NewSignedOutContextAsync(javaScript);
        var page = await context.NewPageAsync();
        await SignInAsync(page, WebAppFactory.ReviewerName, await web.EnsureUserAsync(WebAppFactory.ReviewerName, StaffRoles.Reviewer));
        await Assertions.Expect(page.Locator("[data-testid=signed-in-as]")).ToHaveTextAsync(WebAppFactory.ReviewerName);
        await page.CloseAsync();
        return context;
    }

    public Task<IBrowserContext> NewSignedOutContextAsync(bool javaScript) => Chromium.Browser.NewContextAsync(new BrowserNewContextOptions
    {
        BaseURL = WebAddress.ToString(),
        JavaScriptEnabled = javaScript,
        ViewportSize = new ViewportSize { Width = 1280, Height = 860 },
    });

    public static async Task SignInAsync(IPage page, string userName, string password)
    {
        await page.GotoAsync("/Account/SignIn");
        await page.Locator("#user-name").FillAsync(userName);
        await page.Locator("#password").FillAsync(password);
        await page.Locator("#signin-button").ClickAsync();
    }
}

public sealed class ClassifyInBrowserTests(BrowserStack stack, ITestOutputHelper output) : IClassFixture<BrowserStack>
{
    private static readonly string[] Names = [.. CellClasses.Names];

    [Fact]
    public async Task With_javascript_upload_predict_and_correct_without_a_page_reload()
    {
        var image = new SmearGenerator(seed: 7).GenerateJpeg(CellClass.Early, 0);
        await using var context = await stack.NewContextAsync(javaScript: true);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        // Survives only if the page is never reloaded: the script posts the forms itself.
        await page.EvaluateAsync("() => { window.sameDocument = true; }");

        await page.Locator("#upload").SetInputFilesAsync(new FilePayload { Name = "smear.jpg", MimeType = "image/jpeg", Buffer = image });
        await Assertions.Expect(page.Locator("#preview")).ToBeVisibleAsync();
        await page.Locator("#predict-button").ClickAsync();

        var predictedName = await ExpectPredictionAsync(page);
        var countBefore = await stack.Api.FeedbackCountAsync();
        var correction = Names.First(name => name != predictedName);
        await page.Locator("#correct-label").SelectOptionAsync(correction);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("classify-result.png"), FullPage = true });
        await page.Locator("#feedback-button").ClickAsync();

        await Assertions.Expect(page.Locator("[data-testid=feedback-count]")).ToHaveTextAsync($"{countBefore + 1}");
        Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("classify-feedback.png"), FullPage = true });
        await AssertStoredAsync(countBefore + 1, correction, predictedName, image);
        Assert.Equal($"web:{WebAppFactory.ReviewerName}", (await stack.Api.FeedbackRowsAsync())[^1].SentBy);

        await page.GotoAsync("/Feedback");
        await Assertions.Expect(page.Locator("[data-testid=feedback-count]")).ToHaveTextAsync($"{countBefore + 1}");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("feedback.png"), FullPage = true });
        await page.GotoAsync("/Model");
        await Assertions.Expect(page.Locator("[data-testid=model-version]")).ToHaveTextAsync("v1");
        await Assertions.Expect(page.Locator("[data-testid=confusion-matrix]")).ToBeVisibleAsync();
        Assert.True(await page.Locator("[data-testid=confusion-matrix]").EvaluateAsync<bool>("image => image.complete && image.naturalWidth > 0"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("model.png"), FullPage = true });
    }

    [Fact]
    public async Task Without_javascript_the_same_flow_works_with_plain_form_posts()
    {
        var image = new SmearGenerator(seed: 11).GeneratePng(CellClass.Pro, 1);
        await using var context = await stack.NewContextAsync(javaScript: false);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");

        await page.Locator("#upload").SetInputFilesAsync(new FilePayload { Name = "smear.png", MimeType = "image/png", Buffer = image });
        await page.Locator("#predict-button").ClickAsync();

        var predictedName = await ExpectPredictionAsync(page);
        var countBefore = await stack.Api.FeedbackCountAsync();
        var correction = Names.Last(name => name != predictedName);
        await page.Locator("#correct-label").SelectOptionAsync(correction);
        await page.Locator("#feedback-button").ClickAsync();

        await Assertions.Expect(page.Locator("[data-testid=feedback-count]")).ToHaveTextAsync($"{countBefore + 1}");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("classify-no-javascript.png"), FullPage = true });
        await AssertStoredAsync(countBefore + 1, correction, predictedName, image);
    }

    [Fact]
    public async Task A_file_that_is_not_an_image_gets_the_apis_reason_as_a_sentence()
    {
        await using var context = await stack.NewContextAsync(javaScript: true);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");

        await page.Locator("#upload").SetInputFilesAsync(new FilePayload
        {
            Name = "notes.png", MimeType = "image/png", Buffer = "these are lab notes, not a picture"u8.ToArray(),
        });
        await page.Locator("#predict-button").ClickAsync();

        var error = page.Locator("[data-testid=error]");
        await Assertions.Expect(error).ToBeVisibleAsync();
        var sentence = await error.InnerTextAsync();
        output.WriteLine($"Shown: {sentence}");
        Assert.StartsWith("The image was not accepted: ", sentence);
        Assert.EndsWith(".", sentence);
        Assert.True(sentence.Length > "The image was not accepted: .".Length);
        Assert.Contains("JPEG", sentence);
        Assert.DoesNotContain("Exception", sentence);
        await Assertions.Expect(page.Locator("[data-testid=probability]")).ToHaveCountAsync(0);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("classify-not-an-image.png"), FullPage = true });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_heat_map_of_the_predicted_class_appears_beside_the_image_and_the_toggle_shows_one_view(bool javaScript)
    {
        var image = new SmearGenerator(seed: 13).GenerateJpeg(CellClass.Pre, 2);
        await using var context = await stack.NewContextAsync(javaScript);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");

        await page.Locator("#upload").SetInputFilesAsync(new FilePayload { Name = "smear.jpg", MimeType = "image/jpeg", Buffer = image });
        await page.Locator("#predict-button").ClickAsync();

        var predictedName = await ExpectPredictionAsync(page);
        var overlay = page.Locator("[data-testid=overlay]");
        var plain = page.Locator("[data-testid=explain-image]");
        await Assertions.Expect(overlay).ToBeVisibleAsync();
        await Assertions.Expect(plain).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=legend]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=explanation]")).ToHaveAttributeAsync("data-class", predictedName);
        await Assertions.Expect(page.Locator("[data-testid=explained-class]"))
            .ToHaveTextAsync(CellClasses.DisplayNames[Array.IndexOf(Names, predictedName)]);
        await Assertions.Expect(overlay).ToHaveJSPropertyAsync("naturalWidth", 224);
        var overlayBox = (await overlay.BoundingBoxAsync())!;
        var plainBox = (await plain.BoundingBoxAsync())!;
        Assert.True(overlayBox.X > plainBox.X + plainBox.Width - 1, "the heat map is beside the image");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot($"classify-heat-map-{(javaScript ? "js" : "no-js")}.png"), FullPage = true });

        await page.Locator("[data-testid=show-overlay]").ClickAsync();
        await Assertions.Expect(plain).ToBeHiddenAsync();
        await Assertions.Expect(overlay).ToBeVisibleAsync();
        Assert.True((await overlay.BoundingBoxAsync())!.Width > overlayBox.Width * 1.5, "a view on its own is larger");
        await page.Locator("[data-testid=show-image]").ClickAsync();
        await Assertions.Expect(overlay).ToBeHiddenAsync();
        await Assertions.Expect(plain).ToBeVisibleAsync();
    }

    /// <summary>Waits for the four probability bars and returns the predicted class name, checked against its label.</summary>
    private static async Task<string> ExpectPredictionAsync(IPage page)
    {
        await Assertions.Expect(page.Locator("[data-testid=probability]")).ToHaveCountAsync(4);
        var predicted = page.Locator("[data-testid=predicted-class]");
        var predictedName = await predicted.GetAttributeAsync("data-class");
        var index = Array.IndexOf(Names, predictedName);
        Assert.InRange(index, 0, 3);
        Assert.Equal(CellClasses.DisplayNames[index], await predicted.InnerTextAsync());
        Assert.Equal(predictedName, await page.Locator("#correct-label").InputValueAsync());
        return predictedName!;
    }

    /// <summary>The API's SQLite file holds the correction as the newest row, with the uploaded bytes.</summary>
    private async Task AssertStoredAsync(int expectedRows, string correct, string predicted, byte[] image)
    {
        var rows = await stack.Api.FeedbackRowsAsync();
        Assert.Equal(expectedRows, rows.Count);
        var newest = rows[^1];
        Assert.Equal((correct, predicted, image.Length), (newest.Correct, newest.Predicted, newest.ImageBytes));
    }

    private string Screenshot(string name)
    {
        var path = Path.Combine(ChromiumFixture.ArtifactsDirectory(), name);
        output.WriteLine($"Screenshot: {path}");
        return path;
    }
}
