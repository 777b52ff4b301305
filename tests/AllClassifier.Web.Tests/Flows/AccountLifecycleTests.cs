using System.Net;
using AllClassifier.Web.Pages.Account;
using AllClassifier.Web.Staff;
using AllClassifier.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AllClassifier.Web.Tests.Flows;

/// <summary>
/// An account's life over HTTP through the Staff page and the change-password page: disable, enable, delete, role,
/// temporary password, own password change and the first admin's forced change. Sessions are checked against their
/// account on every request here (<c>SessionValidationInterval</c> zero); <see cref="SessionValidationIntervalTests"/>
/// covers the interval itself.
/// </summary>
public sealed class AccountLifecycleTests()
    : WebWithFakeBackend(settings: new Dictionary<string, string?> { ["StaffAccounts:SessionValidationInterval"] = "00:00:00" })
{
    private const string Person = "lifecycle-reviewer";

    [Fact]
    public async Task A_disabled_account_cannot_sign_in_and_its_session_ends_until_it_is_enabled()
    {
        using var person = await Web.CreateSignedInClientAsync(Person);
        using var admin = await Web.CreateSignedInClientAsync(WebAppFactory.AdminName, StaffRoles.Admin);
        var password = await Web.EnsureUserAsync(Person, StaffRoles.Reviewer);

        var disabled = await ActAsync(admin, "Disable", await IdAsync(Person));

        Assert.Equal($"Disabled {Person}: they cannot sign in, and their sessions end.", disabled.Message);
        Assert.Equal("disabled", StateOf(await admin.GetStringAsync("/Admin/Users"), Person));
        Assert.Equal(StaffAccountsExtensions.SignInPath, await LandingAsync(person, "/Feedback"));
        using var refused = await WebAppFactory.SignInAsync(Web.CreateClient(), Person, password);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        // The same words as a wrong password: nobody learns that the account exists but is disabled.
        Assert.Equal(SignInModel.FailedMessage, FormPoster.TestIdText(await refused.Content.ReadAsStringAsync(), "signin-error"));

        Assert.Equal($"Enabled {Person}.", (await ActAsync(admin, "Enable", await IdAsync(Person))).Message);
        using var again = Web.CreateClient();
        using var signedIn = await WebAppFactory.SignInAsync(again, Person, password);
        Assert.Equal("/", signedIn.RequestMessage!.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task A_deleted_account_is_gone_its_session_ends_and_it_cannot_sign_in()
    {
        using var person = await Web.CreateSignedInClientAsync(Person);
        using var admin = await Web.CreateSignedInClientAsync(WebAppFactory.AdminName, StaffRoles.Admin);
        var password = await Web.EnsureUserAsync(Person, StaffRoles.Reviewer);

        var deleted = await ActAsync(admin, "Delete", await IdAsync(Person));

        Assert.Equal($"Deleted {Person}.", deleted.Message);
        await using (var scope = Web.Services.CreateAsyncScope())
        {
            Assert.Null(await scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>().FindByNameAsync(Person));
        }

        Assert.Null(StateOf(await admin.GetStringAsync("/Admin/Users"), Person));
        Assert.Equal(StaffAccountsExtensions.SignInPath, await LandingAsync(person, "/"));
        using var refused = await WebAppFactory.SignInAsync(Web.CreateClient(), Person, password);
        Assert.Equal(SignInModel.FailedMessage, FormPoster.TestIdText(await refused.Content.ReadAsStringAsync(), "signin-error"));
    }

    [Fact]
    public async Task A_new_role_takes_effect_at_the_next_sign_in_and_ends_the_old_session()
    {
        using var before = await Web.CreateSignedInClientAsync(Person);
        using var admin = await Web.CreateSignedInClientAsync(WebAppFactory.AdminName, StaffRoles.Admin);
        var password = await Web.EnsureUserAsync(Person, StaffRoles.Reviewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await before.GetAsync("/Admin/Users")).StatusCode);

        var promoted = await ActAsync(admin, "Role", await IdAsync(Person), new() { ["role"] = StaffRoles.Admin });

        Assert.Equal($"{Person} is now admin; they sign in again to use it.", promoted.Message);
        Assert.Equal(StaffAccountsExtensions.SignInPath, await LandingAsync(before, "/Admin/Users"));
        using var promotedClient = Web.CreateClient();
        await WebAppFactory.SignInAsync(promotedClient, Person, password);
        Assert.Equal(HttpStatusCode.OK, (await promotedClient.GetAsync("/Admin/Users")).StatusCode);

        var demoted = await ActAsync(admin, "Role", await IdAsync(Person), new() { ["role"] = StaffRoles.Reviewer });

        Assert.Equal($"{Person} is now reviewer; they sign in again to use it.", demoted.Message);
        using var demotedClient = Web.CreateClient();
        await WebAppFactory.SignInAsync(demotedClient, Person, password);
        Assert.Equal(HttpStatusCode.Forbidden, (await demotedClient.GetAsync("/Admin/Users")).StatusCode);
        Assert.Equal("/", await LandingAsync(demotedClient, "/"));
    }

    [Fact]
    public async Task The_last_active_admin_cannot_be_disabled_deleted_or_demoted_but_one_of_two_can()
    {
        using var admin = await Web.CreateSignedInClientAsync(WebAppFactory.AdminName, StaffRoles.Admin);
        var self = await IdAsync(WebAppFactory.AdminName);

        foreach (var (handler, fields) in new (string, Dictionary<string, string>)[]
                 {
                     ("Disable", []), ("Delete", []), ("Role", new() { ["role"] = StaffRoles.Reviewer }),
                 })
        {
            var refused = await ActAsync(admin, handler, self, fields);
            Assert.Equal(StaffAccountLifecycle.LastAdminMessage, refused.Error);
        }

        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/Admin/Users")).StatusCode);
        // A disabled second admin is no admin to fall back on.
        await Web.EnsureUserAsync("second-admin", StaffRoles.Admin);
        var second = await IdAsync("second-admin");
        Assert.NotNull((await ActAsync(admin, "Disable", second)).Message);
        Assert.Equal(StaffAccountLifecycle.LastAdminMessage, (await ActAsync(admin, "Delete", self)).Error);

        Assert.NotNull((await ActAsync(admin, "Enable", second)).Message);
        var demoted = await ActAsync(admin, "Role", self, new() { ["role"] = StaffRoles.Reviewer });

        Assert.Equal($"{WebAppFactory.AdminName} is now reviewer; they sign in again to use it.", demoted.Message);
        Assert.Equal(StaffAccountsExtensions.SignInPath, await LandingAsync(admin, "/Admin/Users"));
    }

    [Fact]
    public async Task A_temporary_password_ends_the_session_and_must_be_changed_at_the_next_sign_in()
    {
        using var person = await Web.CreateSignedInClientAsync(Person);
        using var admin = await Web.CreateSignedInClientAsync(WebAppFactory.AdminName, StaffRoles.Admin);
        var oldPassword = await Web.EnsureUserAsync(Person, StaffRoles.Reviewer);
        const string temporary = "Temporary-pass-77";

        var reset = await ActAsync(admin, "ResetPassword", await IdAsync(Person), new() { ["temporaryPassword"] = temporary });

        Assert.Equal($"Set a temporary password for {Person}; they choose their own at the next sign-in.", reset.Message);
        Assert.Equal(StaffAccountsExtensions.SignInPath, await LandingAsync(person, "/"));
        using var old = await WebAppFactory.SignInAsync(Web.CreateClient(), Person, oldPassword);
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);

        using var client = Web.CreateClient();
        using var signedIn = await WebAppFactory.SignInAsync(client, Person, temporary);
        Assert.Equal(PasswordChange.PagePath, signedIn.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal(PasswordChange.PagePath, await LandingAsync(client, "/Feedback"));

        using var changed = await WebAppFactory.ChangePasswordAsync(client, temporary, "Own-new-password-8");
        Assert.Equal("/", changed.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal("/Feedback", await LandingAsync(client, "/Feedback"));
        using var temporaryAgain = await WebAppFactory.SignInAsync(Web.CreateClient(), Person, temporary);
        Assert.Equal(HttpStatusCode.Unauthorized, temporaryAgain.StatusCode);
    }

    [Fact]
    public async Task A_temporary_password_that_breaks_the_rules_is_refused_and_changes_nothing()
    {
        using var person = await Web.CreateSignedInClientAsync(Person);
        using var admin = await Web.CreateSignedInClientAsync(WebAppFactory.AdminName, StaffRoles.Admin);

        var reset = await ActAsync(admin, "ResetPassword", await IdAsync(Person), new() { ["temporaryPassword"] = "short" });

        Assert.Equal("Passwords must be at least 12 characters. Passwords must have at least one digit ('0'-'9'). " +
            "Passwords must have at least one uppercase ('A'-'Z').", reset.Error);
        Assert.Equal("/", await LandingAsync(person, "/"));
    }

    [Fact]
    public async Task Changing_ones_own_password_ends_the_other_sessions_and_keeps_this_one()
    {
        using var here = await Web.CreateSignedInClientAsync(Person);
        using var elsewhere = await Web.CreateSignedInClientAsync(Person);
        var password = await Web.EnsureUserAsync(Person, StaffRoles.Reviewer);

        using var wrong = await WebAppFactory.ChangePasswordAsync(here, "Not-my-password-1", "Own-new-password-8");
        using var same = await WebAppFactory.ChangePasswordAsync(here, password, password);
        using var mismatch = await WebAppFactory.ChangePasswordAsync(here, password, "Own-new-password-8", "Own-new-password-9");
        using var weak = await WebAppFactory.ChangePasswordAsync(here, password, "weak");
        Assert.Equal(StaffAccountLifecycle.WrongPasswordMessage, await PasswordErrorAsync(wrong));
        Assert.Equal(StaffAccountLifecycle.SamePasswordMessage, await PasswordErrorAsync(same));
        Assert.Equal(PasswordModel.MismatchMessage, await PasswordErrorAsync(mismatch));
        Assert.StartsWith("Passwords must be at least 12 characters.", await PasswordErrorAsync(weak));
        Assert.Equal("/", await LandingAsync(elsewhere, "/"));

        using var changed = await WebAppFactory.ChangePasswordAsync(here, password, "Own-new-password-8");

        Assert.Equal("/", changed.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal("/Feedback", await LandingAsync(here, "/Feedback"));
        Assert.Equal(StaffAccountsExtensions.SignInPath, await LandingAsync(elsewhere, "/Feedback"));
        using var old = await WebAppFactory.SignInAsync(Web.CreateClient(), Person, password);
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        using var fresh = await WebAppFactory.SignInAsync(Web.CreateClient(), Person, "Own-new-password-8");
        Assert.Equal("/", fresh.RequestMessage!.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task Guessing_the_current_password_from_a_session_is_refused_after_the_sign_in_limit()
    {
        using var client = await Web.CreateSignedInClientAsync(Person);
        var password = await Web.EnsureUserAsync(Person, StaffRoles.Reviewer);

        // The sign-in limit (StaffAccounts:MaxFailedSignIns, 5 by default) counts these guesses too.
        for (var i = 0; i < 5; i++)
        {
            using var guess = await WebAppFactory.ChangePasswordAsync(client, $"Wrong-guess-{i:D4}", "Own-new-password-8");
            Assert.NotNull(await PasswordErrorAsync(guess));
        }

        using var right = await WebAppFactory.ChangePasswordAsync(client, password, "Own-new-password-8");
        using var signIn = await WebAppFactory.SignInAsync(Web.CreateClient(), Person, password);

        Assert.Equal(SignInModel.LockedOutMessage, await PasswordErrorAsync(right));
        Assert.Equal(SignInModel.LockedOutMessage, FormPoster.TestIdText(await signIn.Content.ReadAsStringAsync(), "signin-error"));
    }

    [Fact]
    public async Task The_first_admin_must_change_the_deployment_secret_before_anything_else_which_then_no_longer_signs_in()
    {
        using var client = Web.CreateClient();
        using var signedIn = await WebAppFactory.SignInAsync(client, WebAppFactory.AdminName, WebAppFactory.AdminPassword);
        Assert.Equal(PasswordChange.PagePath, signedIn.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.NotNull(FormPoster.TestIdText(await signedIn.Content.ReadAsStringAsync(), "password-change-required"));

        foreach (var page in new[] { "/", "/Model", "/Admin/Users", "/Admin/Models" })
        {
            Assert.Equal(PasswordChange.PagePath, await LandingAsync(client, page));
        }

        using var api = await client.GetAsync("/api/feedback/count");
        Assert.Equal(HttpStatusCode.Forbidden, api.StatusCode);
        Assert.Contains(PasswordChangeRedirect.ApiDetail, await api.Content.ReadAsStringAsync());
        using var predicted = await FormPoster.PredictAsync(client, ApiSamples.TinyPng, "cell.png", "image/png");
        Assert.Equal(PasswordChange.PagePath, predicted.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Empty(Backend.Requests);
        // The change needs the secret itself: a session alone does not choose the admin's password.
        using var guessed = await WebAppFactory.ChangePasswordAsync(client, "Not-the-secret-1", WebAppFactory.AdminOwnPassword);
        Assert.Equal(StaffAccountLifecycle.WrongPasswordMessage, await PasswordErrorAsync(guessed));

        using var changed = await WebAppFactory.ChangePasswordAsync(client, WebAppFactory.AdminPassword, WebAppFactory.AdminOwnPassword);

        Assert.Equal("/", changed.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Equal("/Admin/Users", await LandingAsync(client, "/Admin/Users"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/feedback/count")).StatusCode);
        using var secret = await WebAppFactory.SignInAsync(Web.CreateClient(), WebAppFactory.AdminName, WebAppFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.Unauthorized, secret.StatusCode);
        Assert.Equal(SignInModel.FailedMessage, FormPoster.TestIdText(await secret.Content.ReadAsStringAsync(), "signin-error"));
        using var own = await WebAppFactory.SignInAsync(Web.CreateClient(), WebAppFactory.AdminName, WebAppFactory.AdminOwnPassword);
        Assert.Equal("/", own.RequestMessage!.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task Account_changes_need_an_admin_and_the_forms_antiforgery_token()
    {
        using var reviewer = await Web.CreateSignedInClientAsync(Person);
        using var admin = await Web.CreateSignedInClientAsync(WebAppFactory.AdminName, StaffRoles.Admin);
        var self = await IdAsync(WebAppFactory.AdminName);
        await Web.EnsureUserAsync("second-admin", StaffRoles.Admin);

        using var byReviewer = await reviewer.PostAsync(
            $"/Admin/Users?handler=Delete&id={self}", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = await FormPoster.AntiforgeryTokenAsync(reviewer),
            }));
        using var noToken = await admin.PostAsync($"/Admin/Users?handler=Delete&id={await IdAsync(Person)}", new FormUrlEncodedContent([]));

        Assert.Equal(HttpStatusCode.Forbidden, byReviewer.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        await using var scope = Web.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        Assert.NotNull(await users.FindByIdAsync(self));
        Assert.NotNull(await users.FindByNameAsync(Person));
    }

    private async Task<string> IdAsync(string userName)
    {
        await using var scope = Web.Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>().FindByNameAsync(userName);
        return user?.Id ?? throw new InvalidOperationException($"{userName} does not exist.");
    }

    /// <summary>Posts one of the Staff page's row forms; the page's message and error.</summary>
    internal static async Task<(string? Message, string? Error)> ActAsync(
        HttpClient admin, string handler, string id, Dictionary<string, string>? fields = null)
    {
        var form = new Dictionary<string, string>(fields ?? [])
        {
            ["__RequestVerificationToken"] = await FormPoster.AntiforgeryTokenAsync(admin, "/Admin/Users"),
        };
        using var response = await admin.PostAsync($"/Admin/Users?handler={handler}&id={Uri.EscapeDataString(id)}", new FormUrlEncodedContent(form));
        var html = await response.Content.ReadAsStringAsync();
        return (FormPoster.TestIdText(html, "admin-message"), FormPoster.TestIdText(html, "admin-error"));
    }

    /// <summary>Where a redirect-following client ends up asking for <paramref name="path"/>.</summary>
    internal static async Task<string> LandingAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return response.RequestMessage!.RequestUri!.AbsolutePath;
    }

    private static string? StateOf(string staffPage, string userName)
    {
        var row = System.Text.RegularExpressions.Regex.Match(
            staffPage, $"data-user=\"{System.Text.RegularExpressions.Regex.Escape(userName)}\"(.*?)</tr>", System.Text.RegularExpressions.RegexOptions.Singleline);
        return row.Success ? FormPoster.TestIdText(row.Groups[1].Value, "staff-state") : null;
    }

    private static async Task<string?> PasswordErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return FormPoster.TestIdText(await response.Content.ReadAsStringAsync(), "password-error");
    }
}

/// <summary>
/// Another session of an account an admin disabled keeps working only until its next check against the account,
/// <c>StaffAccounts:SessionValidationInterval</c> after it was issued or last checked, on the app's clock.
/// </summary>
public sealed class SessionValidationIntervalTests : IAsyncLifetime
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private FakeBackendServer backend = null!;
    private WebAppFactory web = null!;

    public async Task InitializeAsync()
    {
        backend = await FakeBackendServer.StartAsync(initialFeedbackCount: 0);
        web = new WebAppFactory(backend.Address, new Dictionary<string, string?> { ["StaffAccounts:SessionValidationInterval"] = "00:05:00" })
        {
            TestServices = services => services.AddSingleton<TimeProvider>(clock),
        };
    }

    public async Task DisposeAsync()
    {
        await web.DisposeAsync();
        await backend.DisposeAsync();
    }

    [Fact]
    public async Task A_disabled_persons_session_ends_once_the_validation_interval_has_passed()
    {
        using var person = await web.CreateSignedInClientAsync("interval-reviewer");
        using var admin = await web.CreateSignedInClientAsync(WebAppFactory.AdminName, StaffRoles.Admin);
        await using (var scope = web.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
            var id = (await users.FindByNameAsync("interval-reviewer"))!.Id;
            Assert.NotNull((await AccountLifecycleTests.ActAsync(admin, "Disable", id)).Message);
        }

        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal("/", await AccountLifecycleTests.LandingAsync(person, "/"));

        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(StaffAccountsExtensions.SignInPath, await AccountLifecycleTests.LandingAsync(person, "/"));
    }
}
