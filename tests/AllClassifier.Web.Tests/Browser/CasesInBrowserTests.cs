using AllClassifier.Model;
using AllClassifier.Training.Synthetic;
using AllClassifier.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace AllClassifier.Web.Tests.Browser;

/// <summary>A lab's case from start to report in Chromium, against the real API and its real ONNX model.</summary>
public sealed class CasesInBrowserTests(BrowserStack stack, ITestOutputHelper output) : IClassFixture<BrowserStack>
{
    [Fact]
    public async Task Create_a_case_upload_several_images_review_them_sign_off_and_print_the_report()
    {
        await using var context = await stack.NewContextAsync(javaScript: true);
        var page = await context.NewPageAsync();
        var uploads = 0;
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && request.Url.Contains("handler=UploadOne", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref uploads);
            }
        };

        await page.GotoAsync("/Cases");
        await page.Locator("#accession").FillAsync("S-26-0142");
        await page.Locator("#create-case-button").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=case-accession]")).ToHaveTextAsync("S-26-0142");
        var caseUrl = new Uri(page.Url).AbsolutePath;

        var smears = new SmearGenerator(seed: 23);
        FilePayload[] files =
        [
            new() { Name = "field-01.jpg", MimeType = "image/jpeg", Buffer = smears.GenerateJpeg(CellClass.Benign, 0) },
            new() { Name = "field-02.jpg", MimeType = "image/jpeg", Buffer = smears.GenerateJpeg(CellClass.Early, 1) },
            new() { Name = "field-03.png", MimeType = "image/png", Buffer = smears.GeneratePng(CellClass.Pre, 2) },
            new() { Name = "field-04.jpg", MimeType = "image/jpeg", Buffer = smears.GenerateJpeg(CellClass.Pro, 3) },
        ];
        await page.Locator("#case-files").SetInputFilesAsync(files);
        await Assertions.Expect(page.Locator("#case-files-chosen")).ToHaveTextAsync("4 files chosen");
        await page.Locator("#upload-button").ClickAsync();

        // The script sends one request per file and shows the case again once all are in.
        var images = page.Locator("[data-testid=case-image]");
        await Assertions.Expect(images).ToHaveCountAsync(files.Length, new() { Timeout = 60_000 });
        Assert.Equal(files.Length, uploads);
        await Assertions.Expect(page.Locator("[data-testid=case-model-versions]")).ToHaveTextAsync("v1");

        // Three reviews: two confirmations and one correction; the fourth image stays unreviewed.
        await images.Nth(0).Locator("[data-testid=confirm]").ClickAsync();
        await Assertions.Expect(images.Nth(0)).ToHaveAttributeAsync("data-reviewed", "true");
        await images.Nth(1).Locator("[data-testid=confirm]").ClickAsync();
        await Assertions.Expect(images.Nth(1)).ToHaveAttributeAsync("data-reviewed", "true");
        var third = images.Nth(2);
        var predicted = await third.Locator("[data-testid=predicted-class]").GetAttributeAsync("data-class");
        var correction = CellClasses.Names.First(name => name != predicted);
        await third.Locator("[data-testid=decision-select]").SelectOptionAsync(correction);
        await third.Locator("[data-testid=save-decision]").ClickAsync();
        await Assertions.Expect(images.Nth(2).Locator("[data-testid=review-state]")).ToHaveAttributeAsync("data-decision", correction);
        await images.Nth(0).Locator("details.image-more summary").ClickAsync();
        await Assertions.Expect(images.Nth(0).Locator("[data-testid=heatmap]")).ToBeVisibleAsync();

        await page.Locator("#signoff-button").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=error]")).ToHaveTextAsync(
            "Sign-off refused: 1 image has no review yet. Review every image, then sign off.");
        await Assertions.Expect(page.Locator("[data-testid=case-status]")).ToHaveTextAsync("open");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("case-sign-off-refused.png"), FullPage = true });

        await page.Locator("[data-testid=case-image][data-reviewed=false] [data-testid=confirm]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=case-image][data-reviewed=false]")).ToHaveCountAsync(0);
        await page.Locator("#signoff-button").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=case-status]")).ToHaveTextAsync("signed");
        await Assertions.Expect(page.Locator("[data-testid=signed-by]")).ToContainTextAsync(WebAppFactory.ReviewerName);
        await Assertions.Expect(page.Locator("[data-testid=review-actions]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#case-upload-form")).ToHaveCountAsync(0);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("case-signed.png"), FullPage = true });

        await page.Locator("[data-testid=report-link]").ClickAsync();
        Assert.Equal(caseUrl + "/Report", new Uri(page.Url).AbsolutePath);
        await Assertions.Expect(page.Locator("[data-testid=report-accession]")).ToHaveTextAsync("S-26-0142");
        await Assertions.Expect(page.Locator("[data-testid=report-status]")).ToHaveTextAsync("Signed");
        await Assertions.Expect(page.Locator("[data-testid=report-model-versions]")).ToHaveTextAsync("v1");
        await Assertions.Expect(page.Locator("[data-testid=report-reviewers]")).ToHaveTextAsync(WebAppFactory.ReviewerName);
        await Assertions.Expect(page.Locator("[data-testid=report-signed-by]")).ToHaveTextAsync(WebAppFactory.ReviewerName);
        await Assertions.Expect(page.Locator("[data-testid=report-image]")).ToHaveCountAsync(files.Length);
        await Assertions.Expect(page.Locator("[data-testid=report-decision]").Nth(2)).ToContainTextAsync("(corrected)");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("case-report.png"), FullPage = true });

        // As the printer sees it: no navigation or buttons, the report alone.
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Print });
        await Assertions.Expect(page.Locator(".topbar")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#print-button")).ToBeHiddenAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("case-report-print.png"), FullPage = true });
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { Media = Media.Screen });

        await page.GotoAsync("/Cases?status=signed");
        await Assertions.Expect(page.Locator("[data-testid=case-row]")).ToHaveCountAsync(1);
        await page.GotoAsync("/Model");
        await Assertions.Expect(page.Locator("[data-testid=agreement-row][data-version='1']")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("model-agreement.png"), FullPage = true });
    }

    [Fact]
    public async Task The_review_queue_takes_a_decision_inline()
    {
        await using var context = await stack.NewContextAsync(javaScript: false);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/Cases");
        await page.Locator("#accession").FillAsync("S-26-0143");
        await page.Locator("#create-case-button").ClickAsync();
        var smears = new SmearGenerator(seed: 29);
        // Without JavaScript the form posts both files at once.
        await page.Locator("#case-files").SetInputFilesAsync(new FilePayload[]
        {
            new() { Name = "q-01.jpg", MimeType = "image/jpeg", Buffer = smears.GenerateJpeg(CellClass.Pre, 0) },
            new() { Name = "q-02.jpg", MimeType = "image/jpeg", Buffer = smears.GenerateJpeg(CellClass.Pro, 1) },
        });
        await page.Locator("#upload-button").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=upload-outcome]")).ToHaveCountAsync(2);

        await page.GotoAsync("/Review");
        var items = page.Locator("[data-testid=queue-item]");
        await Assertions.Expect(items.Filter(new() { HasText = "S-26-0143" })).ToHaveCountAsync(2);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshot("review-queue.png"), FullPage = true });
        var first = items.Filter(new() { HasText = "S-26-0143" }).First;
        await first.Locator("[data-testid=decision-select]").SelectOptionAsync("NotAssessable");
        await first.Locator("[data-testid=save-decision]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=queue-item]").Filter(new() { HasText = "S-26-0143" })).ToHaveCountAsync(1);
    }

    private string Screenshot(string name)
    {
        var path = Path.Combine(ChromiumFixture.ArtifactsDirectory(), name);
        output.WriteLine($"Screenshot: {path}");
        return path;
    }
}
