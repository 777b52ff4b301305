using System.Net;
using AllClassifier.Web.Backend;
using AllClassifier.Web.Staff;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AllClassifier.Web.Tests.Infrastructure;

/// <summary>
/// The web app with its backend address (and any other settings) given by the test, local staff accounts in a
/// temporary SQLite file and the first admin <see cref="AdminName"/>. Without an address the app finds the backend
/// through service discovery, configured by the settings as Aspire would.
/// </summary>
public sealed class WebAppFactory(Uri? backend, IReadOnlyDictionary<string, string?>? settings = null)
    : WebApplicationFactory<BackendClient>
{
    public const string AdminName = "lab-admin";
    public const string AdminPassword = "Admin-password-1";
    public const string ReviewerName = "reviewer1";
    public const string ReviewerPassword = "Reviewer-password-1";
    public const string ApiKey = "web-test-key-5d1f";

    /// <summary>The first admin's own password, chosen at the forced change after signing in with <see cref="AdminPassword"/>.</summary>
    public const string AdminOwnPassword = "Admin-own-password-2";

    private string adminPassword = AdminPassword;

    private readonly string root = Directory.CreateTempSubdirectory("allclassifier-web-").FullName;

    public string StaffDatabasePath => Path.Combine(root, "staff.db");

    /// <summary>Replaces or adds services after the app's own, e.g. a password hasher that counts its calls.</summary>
    public Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? TestServices { get; init; }

    /// <summary>Serves the app on real Kestrel at 127.0.0.1 (for a browser) instead of the in-memory test server.</summary>
    public Uri StartOnLoopback()
    {
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        StartServer();
        return ClientOptions.BaseAddress;
    }

    /// <summary>A client signed in through the real sign-in form as <paramref name="userName"/>, created with
    /// <paramref name="role"/> if it does not exist yet.</summary>
    public async Task<HttpClient> CreateSignedInClientAsync(string userName = ReviewerName, string role = StaffRoles.Reviewer)
    {
        var password = await EnsureUserAsync(userName, role);
        // Follows redirects and keeps cookies: the sign-in answer redirects to the Classify page.
        var client = CreateClient();
        using var response = await SignInAsync(client, userName, password);
        if (response.StatusCode != HttpStatusCode.OK || response.RequestMessage?.RequestUri?.AbsolutePath == StaffAccountsExtensions.SignInPath)
        {
            throw new InvalidOperationException($"Signing in as {userName} answered {(int)response.StatusCode}.");
        }

        // The first admin signs in with the deployment secret once, and is made to choose a password of their own.
        if (userName == AdminName && response.RequestMessage?.RequestUri?.AbsolutePath == PasswordChange.PagePath)
        {
            using var changed = await ChangePasswordAsync(client, AdminPassword, AdminOwnPassword);
            if (changed.RequestMessage?.RequestUri?.AbsolutePath == PasswordChange.PagePath)
            {
                throw new InvalidOperationException($"Changing the first admin's password answered {(int)changed.StatusCode}.");
            }

            adminPassword = AdminOwnPassword;
        }

        return client;
    }

    /// <summary>Posts the change-password form with its antiforgery token, as a browser would.</summary>
    public static async Task<HttpResponseMessage> ChangePasswordAsync(HttpClient client, string current, string next, string? confirm = null)
    {
        var antiforgery = await FormPoster.AntiforgeryTokenAsync(client, PasswordChange.PagePath);
        return await client.PostAsync(PasswordChange.PagePath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = antiforgery,
            ["CurrentPassword"] = current,
            ["NewPassword"] = next,
            ["ConfirmPassword"] = confirm ?? next,
        }));
    }

    /// <summary>Posts the sign-in form with its antiforgery token, as a browser would.</summary>
    public static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string userName, string password)
    {
        var antiforgery = await FormPoster.AntiforgeryTokenAsync(client, StaffAccountsExtensions.SignInPath);
        return await client.PostAsync(StaffAccountsExtensions.SignInPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = antiforgery,
            ["UserName"] = userName,
            ["Password"] = password,
        }));
    }

    /// <summary>Creates the account when missing and returns its password.</summary>
    public async Task<string> EnsureUserAsync(string userName, string role)
    {
        if (userName == AdminName)
        {
            _ = Services;
            return adminPassword;
        }

        var password = userName == ReviewerName ? ReviewerPassword : $"{userName}-Password-1";
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        if (await users.FindByNameAsync(userName) is null)
        {
            var user = new IdentityUser(userName);
            var created = await users.CreateAsync(user, password);
            if (!created.Succeeded || !(await users.AddToRoleAsync(user, role)).Succeeded)
            {
                throw new InvalidOperationException($"Could not create {userName}: {string.Join("; ", created.Errors.Select(e => e.Description))}");
            }
        }

        return password;
    }

    /// <summary>An address on 127.0.0.1 where nothing listens: a backend that is down.</summary>
    public static Uri ClosedLoopbackAddress()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var all = new Dictionary<string, string?>
        {
            ["BACKEND_URL"] = backend?.ToString(),
            ["Backend:ApiKey"] = ApiKey,
            ["StaffAccounts:DatabasePath"] = StaffDatabasePath,
            ["DataProtection:KeysDirectory"] = Path.Combine(root, "keys"),
            ["StaffAccounts:FirstAdmin:UserName"] = AdminName,
            ["StaffAccounts:FirstAdmin:Password"] = AdminPassword,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        // Host settings, unlike app configuration added here, are visible while Program.cs builds its services
        // (which sign-in scheme to register depends on them).
        foreach (var (key, value) in all)
        {
            builder.UseSetting(key, value);
        }

        if (TestServices is { } testServices)
        {
            builder.ConfigureTestServices(testServices);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

}
