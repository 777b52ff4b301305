using System.Net;
using AllClassifier.Web.Pages.Account;
using AllClassifier.Web.Staff;
using AllClassifier.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AllClassifier.Web.Tests.Flows;

/// <summary>Staff sign-in, roles and security headers over HTTP, against a fake API on loopback.</summary>
public sealed class SignInTests() : WebWithFakeBackend(initialFeedbackCount: 2, new Dictionary<string, string?> { ["StaffAccounts:MaxFailedSignIns"] = "3" })
{
    [Theory]
    [InlineData("/")]
    [InlineData("/Model")]
    [InlineData("/Feedback")]
    [InlineData("/Admin/Users")]
    public async Task Signed_out_requests_for_pages_are_redirected_to_sign_in(string path)
    {
        using var client = Web.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(StaffAccountsExtensions.SignInPath, response.Headers.Location?.AbsolutePath ?? response.Headers.Location?.OriginalString.Split('?')[0]);
        Assert.Empty(Backend.Requests);
    }

    [Fact]
    public async Task An_account_is_locked_after_the_configured_number_of_failures_even_for_the_right_password()
    {
        var password = await Web.EnsureUserAsync("locked-reviewer", StaffRoles.Reviewer);
        using var client = Web.CreateClient();

        for (var i = 0; i < 2; i++)
        {
            using var failed = await WebAppFactory.SignInAsync(client, "locked-reviewer", "wrong-password-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
            Assert.Equal(SignInModel.FailedMessage, FormPoster.TestIdText(await failed.Content.ReadAsStringAsync(), "signin-error"));
        }

        using var third = await WebAppFactory.SignInAsync(client, "locked-reviewer", "wrong-password-2");
        using var right = await WebAppFactory.SignInAsync(client, "locked-reviewer", password);

        Assert.Equal(SignInModel.LockedOutMessage, FormPoster.TestIdText(await third.Content.ReadAsStringAsync(), "signin-error"));
        Assert.Equal(HttpStatusCode.Unauthorized, right.StatusCode);
        Assert.Equal(SignInModel.LockedOutMessage, FormPoster.TestIdText(await right.Content.ReadAsStringAsync(), "signin-error"));
        Assert.Equal(HttpStatusCode.Redirect, (await Web.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task The_first_admin_from_configuration_manages_staff_and_a_reviewer_may_not()
    {
        using var reviewer = await Web.CreateSignedInClientAsync();
        using var denied = await reviewer.GetAsync("/Admin/Users");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);

        using var admin = await Web.CreateSignedInClientAsync(WebAppFactory.AdminName, StaffRoles.Admin);
        var html = await admin.GetStringAsync("/Admin/Users");
        using var created = await admin.PostAsync("/Admin/Users?handler=Create", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = FormPoster.HiddenValue(html, "__RequestVerificationToken")!,
            ["NewUserName"] = "new-reviewer",
            ["NewPassword"] = "New-reviewer-pass-1",
            ["NewRole"] = StaffRoles.Reviewer,
        }));

        Assert.Equal("Added new-reviewer as reviewer.", FormPoster.TestIdText(await created.Content.ReadAsStringAsync(), "admin-message"));
        using var newcomer = Web.CreateClient();
        using var signedIn = await WebAppFactory.SignInAsync(newcomer, "new-reviewer", "New-reviewer-pass-1");
        // The admin knows the initial password: the newcomer chooses their own first.
        Assert.Equal(PasswordChange.PagePath, signedIn.RequestMessage!.RequestUri!.AbsolutePath);
    }

    [Theory]
    [InlineData("/Account/SignIn")]
    [InlineData("/")]
    [InlineData("/Model")]
    [InlineData("/no/such/page")]
    [InlineData("/api/feedback/count")]
    public async Task Every_response_carries_the_security_headers(string path)
    {
        using var client = await Web.CreateSignedInClientAsync();

        using var response = await client.GetAsync(path);

        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe-inline", csp.Split(';').Single(d => d.Trim().StartsWith("script-src ", StringComparison.Ordinal)));
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        // Plain HTTP on localhost here: HSTS is only sent over HTTPS, to other hosts.
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task Hsts_is_sent_over_https()
    {
        using var client = Web.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://lab.example/"), AllowAutoRedirect = false });

        using var response = await client.GetAsync(StaffAccountsExtensions.SignInPath);

        Assert.Contains("max-age=", response.Headers.GetValues("Strict-Transport-Security").Single());
    }

    [Fact]
    public async Task Kept_images_are_not_cached_and_only_their_uploader_can_open_them()
    {
        using var alice = await Web.CreateSignedInClientAsync("alice", StaffRoles.Reviewer);
        using var bob = await Web.CreateSignedInClientAsync("bob", StaffRoles.Reviewer);
        using var predicted = await FormPoster.PredictAsync(alice, ApiSamples.TinyPng, "cell.png", "image/png");
        var token = FormPoster.HiddenValue(await predicted.Content.ReadAsStringAsync(), "Token")!;

        using var own = await alice.GetAsync($"/?handler=Image&token={token}");
        using var other = await bob.GetAsync($"/?handler=Image&token={token}");

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.True(own.Headers.CacheControl?.NoStore);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        using var correction = await FormPoster.FeedbackAsync(bob, await FormPoster.AntiforgeryTokenAsync(bob), token, "Early");
        Assert.Equal(0, Backend.CountRequests("/feedback"));
    }

    [Fact]
    public async Task The_pages_call_the_api_with_the_key_and_the_signed_in_name()
    {
        using var client = await Web.CreateSignedInClientAsync();
        using var predicted = await FormPoster.PredictAsync(client, ApiSamples.TinyPng, "cell.png", "image/png");
        var html = await predicted.Content.ReadAsStringAsync();
        using var corrected = await FormPoster.FeedbackAsync(
            client, FormPoster.HiddenValue(html, "__RequestVerificationToken")!, FormPoster.HiddenValue(html, "Token")!, "Early");

        var feedback = Assert.Single(Backend.Requests, r => r.Path == "/feedback");
        Assert.Equal(WebAppFactory.ApiKey, feedback.Headers["X-Api-Key"]);
        Assert.Equal(WebAppFactory.ReviewerName, feedback.Headers["X-Acting-User"]);
    }
}

public sealed class FeedbackAdminPageTests() : WebWithFakeBackend(initialFeedbackCount: 4)
{
    [Fact]
    public async Task An_admin_deletes_a_correction_through_the_api_with_the_key_and_a_reviewer_may_not()
    {
        using var reviewer = await Web.CreateSignedInClientAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await reviewer.GetAsync("/Admin/FeedbackRows")).StatusCode);

        using var admin = await Web.CreateSignedInClientAsync(WebAppFactory.AdminName, StaffRoles.Admin);
        var html = await admin.GetStringAsync("/Admin/FeedbackRows");
        Assert.Equal(1, FormPoster.CountTestId(html, "feedback-row"));
        Assert.Contains("web:reviewer1", html);

        using var deleted = await admin.PostAsync("/Admin/FeedbackRows?handler=Delete&id=3", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = FormPoster.HiddenValue(html, "__RequestVerificationToken")!,
        }));

        Assert.Equal("Deleted correction 3; 3 remain.", FormPoster.TestIdText(await deleted.Content.ReadAsStringAsync(), "admin-message"));
        var delete = Assert.Single(Backend.Requests, r => r.Method == "DELETE");
        Assert.Equal("/feedback/3", delete.Path);
        Assert.Equal(WebAppFactory.ApiKey, delete.Headers["X-Api-Key"]);
        Assert.Equal(WebAppFactory.AdminName, delete.Headers["X-Acting-User"]);
    }

    [Fact]
    public async Task A_deletion_whose_image_is_not_yet_erased_says_so()
    {
        Backend.Erased = false;
        using var admin = await Web.CreateSignedInClientAsync(WebAppFactory.AdminName, StaffRoles.Admin);
        var html = await admin.GetStringAsync("/Admin/FeedbackRows");

        using var deleted = await admin.PostAsync("/Admin/FeedbackRows?handler=Delete&id=3", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = FormPoster.HiddenValue(html, "__RequestVerificationToken")!,
        }));

        Assert.Equal(
            "Deleted correction 3; 3 remain." + AllClassifier.Web.Pages.Admin.FeedbackRowsModel.NotErasedNote,
            FormPoster.TestIdText(await deleted.Content.ReadAsStringAsync(), "admin-message"));
    }
}

public sealed class ModelPromotionPageTests() : WebWithFakeBackend
{
    [Fact]
    public async Task An_admin_promotes_a_challenger_through_the_api_with_the_key_and_a_reviewer_may_not()
    {
        using var reviewer = await Web.CreateSignedInClientAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await reviewer.GetAsync("/Admin/Models")).StatusCode);

        using var admin = await Web.CreateSignedInClientAsync(WebAppFactory.AdminName, StaffRoles.Admin);
        var html = await admin.GetStringAsync("/Admin/Models");
        Assert.Equal(2, FormPoster.CountTestId(html, "model-version-row"));

        using var promoted = await admin.PostAsync("/Admin/Models?handler=Promote&version=2", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = FormPoster.HiddenValue(html, "__RequestVerificationToken")!,
        }));

        Assert.Equal("Version 2 is now the champion (was 1).", FormPoster.TestIdText(await promoted.Content.ReadAsStringAsync(), "admin-message"));
        var promote = Assert.Single(Backend.Requests, r => r.Method == "POST" && r.Path == "/model/versions/2/promote");
        Assert.Equal(WebAppFactory.ApiKey, promote.Headers["X-Api-Key"]);
    }
}
