using AllClassifier.Model;
using AllClassifier.Training.Synthetic;
using AllClassifier.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace AllClassifier.Web.Tests.Browser;

public sealed class SecurityInBrowserTests(BrowserStack stack) : IClassFixture<BrowserStack>
{
    [Fact]
    public async Task Signed_out_visitors_are_sent_to_sign_in()
    {
        await using var context = await stack.NewSignedOutContextAsync(javaScript: true);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/Model");

        Assert.Equal("/Account/SignIn", new Uri(page.Url).AbsolutePath);
        await Assertions.Expect(page.Locator("#signin-form")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task After_five_failed_sign_ins_the_account_is_locked_even_for_the_right_password()
    {
        var password = await stack.Web.EnsureUserAsync("browser-lockout", AllClassifier.Web.Staff.StaffRoles.Reviewer);
        await using var context = await stack.NewSignedOutContextAsync(javaScript: true);
        var page = await context.NewPageAsync();
        var error = page.Locator("[data-testid=signin-error]");

        for (var i = 0; i < 5; i++)
        {
            await BrowserStack.SignInAsync(page, "browser-lockout", $"wrong-password-{i}");
            await Assertions.Expect(error).ToBeVisibleAsync();
        }

        await BrowserStack.SignInAsync(page, "browser-lockout", password);

        await Assertions.Expect(error).ToHaveTextAsync(AllClassifier.Web.Pages.Account.SignInModel.LockedOutMessage);
        Assert.Equal("/Account/SignIn", new Uri(page.Url).AbsolutePath);
    }

    [Fact]
    public async Task The_first_admin_chooses_a_password_before_any_page_and_the_deployment_secret_then_fails()
    {
        // A web app of its own: the shared one's first admin keeps the secret for the other tests.
        await using var web = new WebAppFactory(WebAppFactory.ClosedLoopbackAddress());
        var address = web.StartOnLoopback();
        await using var context = await stack.Chromium.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = address.ToString() });
        var page = await context.NewPageAsync();

        await BrowserStack.SignInAsync(page, WebAppFactory.AdminName, WebAppFactory.AdminPassword);
        await Assertions.Expect(page.Locator("[data-testid=password-change-required]")).ToBeVisibleAsync();
        await page.GotoAsync("/Admin/Users");
        Assert.Equal(AllClassifier.Web.Staff.PasswordChange.PagePath, new Uri(page.Url).AbsolutePath);

        await page.Locator("#current-password").FillAsync(WebAppFactory.AdminPassword);
        await page.Locator("#new-password").FillAsync(WebAppFactory.AdminOwnPassword);
        await page.Locator("#confirm-password").FillAsync(WebAppFactory.AdminOwnPassword);
        await page.Locator("#password-button").ClickAsync();

        await Assertions.Expect(page.Locator("[data-testid=staff-table]")).ToBeVisibleAsync();
        Assert.Equal("/Admin/Users", new Uri(page.Url).AbsolutePath);
        await page.Locator("#signout-button").ClickAsync();
        await BrowserStack.SignInAsync(page, WebAppFactory.AdminName, WebAppFactory.AdminPassword);
        await Assertions.Expect(page.Locator("[data-testid=signin-error]")).ToHaveTextAsync(AllClassifier.Web.Pages.Account.SignInModel.FailedMessage);
    }

    [Fact]
    public async Task Every_page_works_under_the_content_security_policy_with_no_violation()
    {
        var violations = new List<string>();
        await using var context = await stack.NewContextAsync(javaScript: true);
        context.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || message.Type == "error")
            {
                violations.Add(message.Text);
            }
        };
        var page = await context.NewPageAsync();
        page.PageError += (_, error) => violations.Add(error);

        foreach (var path in new[] { "/Feedback", "/Model", "/" })
        {
            var response = await page.GotoAsync(path);
            var headers = await response!.AllHeadersAsync();
            Assert.Contains("script-src 'self'", headers["content-security-policy"]);
            Assert.Contains("frame-ancestors 'none'", headers["content-security-policy"]);
            Assert.Equal("nosniff", headers["x-content-type-options"]);
            Assert.Equal("no-referrer", headers["referrer-policy"]);
        }

        // The page's script ran (it marks the document) and the preview, a blob: image, is allowed.
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.classList.contains('js')"));
        var image = new SmearGenerator(seed: 5).GenerateJpeg(CellClass.Benign, 0);
        await page.Locator("#upload").SetInputFilesAsync(new FilePayload { Name = "smear.jpg", MimeType = "image/jpeg", Buffer = image });
        await Assertions.Expect(page.Locator("#preview")).ToBeVisibleAsync();
        await page.Locator("#predict-button").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=probability]")).ToHaveCountAsync(4);
        await page.GotoAsync("/Model");
        await Assertions.Expect(page.Locator("[data-testid=confusion-matrix]")).ToBeVisibleAsync();

        Assert.Empty(violations);
    }

    [Fact]
    public async Task A_form_on_another_site_cannot_post_training_data_through_a_signed_in_browser()
    {
        const string attacker = "http://attacker.test/";
        var rowsBefore = (await stack.Api.FeedbackRowsAsync()).Count;
        await using var context = await stack.NewContextAsync(javaScript: true);
        await context.RouteAsync(attacker + "**", route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "text/html",
            Body = $"""
                <form id="f" method="post" enctype="multipart/form-data" action="{stack.WebAddress}api/feedback">
                  <input name="correct_label" value="Benign"><input name="predicted_label" value="Pro">
                </form>
                <script>document.getElementById("f").submit();</script>
                """,
        }));
        var page = await context.NewPageAsync();

        var answer = await page.RunAndWaitForResponseAsync(
            () => page.GotoAsync(attacker),
            response => response.Url.StartsWith(stack.WebAddress + "api/feedback", StringComparison.Ordinal));

        Assert.False(answer.Ok, $"the web app answered {answer.Status}");
        Assert.Equal(rowsBefore, (await stack.Api.FeedbackRowsAsync()).Count);
    }
}
