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
        var (beforeClient, afterClient) = SharingCookies(before, after);
        using var disposeBefore = beforeClient;
        using var disposeAfter = afterClient;

        var token = await FormPoster.AntiforgeryTokenAsync(beforeClient, StaffAccountsExtensions.SignInPath);
        using var signIn = await PostSignInAsync(afterClient, token);
        using var page = await beforeClient.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/", signIn.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task An_instance_with_other_keys_rejects_the_token_and_the_cookie()
    {
        await using var before = Instance("keys");
        await using var other = Instance("other-keys");
        var (beforeClient, otherClient) = SharingCookies(before, other);
        using var disposeBefore = beforeClient;
        using var disposeOther = otherClient;

        var token = await FormPoster.AntiforgeryTokenAsync(beforeClient, StaffAccountsExtensions.SignInPath);
        using var rejected = await PostSignInAsync(otherClient, token);
        using var signIn = await PostSignInAsync(beforeClient, token);
        using var page = await otherClient.GetAsync("/");

        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal(StaffAccountsExtensions.SignInPath, page.Headers.Location?.AbsolutePath ?? page.Headers.Location?.OriginalString.Split('?')[0]);
    }

    // One browser talking to both instances, as to one app before and after a restart.
    private static (HttpClient First, HttpClient Second) SharingCookies(WebAppFactory first, WebAppFactory second)
    {
        var cookies = new CookieContainer();
        return (first.CreateDefaultClient(new CookieContainerHandler(cookies)), second.CreateDefaultClient(new CookieContainerHandler(cookies)));
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
}
