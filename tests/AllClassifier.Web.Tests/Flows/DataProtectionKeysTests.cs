using System.Net;
using AllClassifier.Web.Staff;
using AllClassifier.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;

namespace AllClassifier.Web.Tests.Flows;

/// <summary>
/// Two instances of the web app over one data folder (the staff database and the Data Protection key folder), as
/// before and after a restart: a form's antiforgery token and the sign-in cookie issued by one are accepted by the
/// other. An instance with a key folder of its own, as without persisted keys, accepts neither.
/// </summary>
public sealed class DataProtectionKeysTests : IAsyncLifetime
{
    private readonly string data = Directory.CreateTempSubdirectory("allclassifier-web-keys-").FullName;
    private FakeBackendServer backend = null!;

    public async Task InitializeAsync() => backend = await FakeBackendServer.StartAsync(initialFeedbackCount: 0);

    public async Task DisposeAsync()
    {
        await backend.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(data, recursive: true);
    }

    [Fact]
    public async Task A_token_and_a_sign_in_cookie_from_one_instance_are_accepted_by_another_sharing_the_key_folder()
    {
        await using var before = Instance("keys");
        await using var after = Instance("keys");
        using var browser = await Browser.OpenAsync(before, after);

        using var signIn = await PostSignInAsync(browser.Second, browser.FirstsToken);
        // The first admin's only page until the forced password change; signed out, it redirects to sign in.
        using var page = await browser.First.GetAsync(PasswordChange.PagePath);

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/", signIn.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task An_instance_with_other_keys_rejects_the_token_and_the_cookie()
    {
        await using var before = Instance("keys");
        await using var other = Instance("other-keys");
        using var browser = await Browser.OpenAsync(before, other);

        using var rejected = await PostSignInAsync(browser.Second, browser.FirstsToken);
        using var signIn = await PostSignInAsync(browser.First, browser.FirstsToken);
        using var page = await browser.Second.GetAsync("/");

        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal(StaffAccountsExtensions.SignInPath, page.Headers.Location?.AbsolutePath ?? page.Headers.Location?.OriginalString.Split('?')[0]);
    }

    private WebAppFactory Instance(string keysFolder) => new(backend.Address, new Dictionary<string, string?>
    {
        ["StaffAccounts:DatabasePath"] = Path.Combine(data, "staff.db"),
        ["DataProtection:KeysDirectory"] = Path.Combine(data, keysFolder),
    });

    private static Task<HttpResponseMessage> PostSignInAsync(HttpClient client, string antiforgeryToken) =>
        client.PostAsync(StaffAccountsExtensions.SignInPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = antiforgeryToken,
            ["UserName"] = WebAppFactory.AdminName,
            ["Password"] = WebAppFactory.AdminPassword,
        }));

    /// <summary>One browser (one cookie jar) talking to both instances, holding the sign-in form's token from the first.</summary>
    private sealed record Browser(HttpClient First, HttpClient Second, string FirstsToken) : IDisposable
    {
        public static async Task<Browser> OpenAsync(WebAppFactory first, WebAppFactory second)
        {
            var cookies = new CookieContainer();
            var firstClient = first.CreateDefaultClient(new CookieContainerHandler(cookies));
            var token = await FormPoster.AntiforgeryTokenAsync(firstClient, StaffAccountsExtensions.SignInPath);
            return new Browser(firstClient, second.CreateDefaultClient(new CookieContainerHandler(cookies)), token);
        }

        public void Dispose()
        {
            First.Dispose();
            Second.Dispose();
        }
    }
}
