using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using AllClassifier.Web.Staff;
using AllClassifier.Web.Pages.Account;
using AllClassifier.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AllClassifier.Web.Tests.Flows;

/// <summary>
/// Guessing passwords on the sign-in form, from addresses a trusted proxy on 127.0.0.1 names: limited per address and
/// per name and address, never locking the real person out from elsewhere, and telling nobody which names exist.
/// </summary>
public sealed class SignInLimitTests
{
    private const string Attacker = "203.0.113.7";
    private const string LabPc = "198.51.100.9";

    [Fact]
    public async Task Thirty_wrong_guesses_from_one_address_do_not_lock_the_admin_out_from_another()
    {
        await using var web = Web();
        var server = web.StartOnLoopback();
        using var attacker = new ProxiedClient(server, Attacker);
        using var labPc = new ProxiedClient(server, LabPc);

        for (var i = 0; i < 30; i++)
        {
            using var guess = await attacker.SignInAsync(WebAppFactory.AdminName, $"Wrong-guess-{i:D4}");
            Assert.False(ProxiedClient.SignedIn(guess));
        }

        using var admin = await labPc.SignInAsync(WebAppFactory.AdminName, WebAppFactory.AdminPassword);
        using var stillRefused = await attacker.SignInAsync(WebAppFactory.AdminName, WebAppFactory.AdminPassword);

        Assert.True(ProxiedClient.SignedIn(admin));
        Assert.False(ProxiedClient.SignedIn(stillRefused));
    }

    [Fact]
    public async Task An_existing_and_an_unknown_name_get_the_same_answers_up_to_and_after_the_refusal()
    {
        await using var web = Web(new() { ["StaffAccounts:MaxFailedSignIns"] = "3" });
        using var attacker = new ProxiedClient(web.StartOnLoopback(), Attacker);

        var existing = new List<(HttpStatusCode, string?)>();
        var unknown = new List<(HttpStatusCode, string?)>();
        for (var i = 0; i < 5; i++)
        {
            existing.Add(await AnswerAsync(attacker, WebAppFactory.AdminName, $"Wrong-guess-{i:D4}"));
            unknown.Add(await AnswerAsync(attacker, "nobody-of-that-name", $"Wrong-guess-{i:D4}"));
        }

        Assert.Equal(existing, unknown);
        Assert.Equal((HttpStatusCode.Unauthorized, SignInModel.FailedMessage), existing[0]);
        Assert.Equal((HttpStatusCode.Unauthorized, SignInModel.LockedOutMessage), existing[2]);
        Assert.Equal((HttpStatusCode.Unauthorized, SignInModel.LockedOutMessage), await AnswerAsync(attacker, WebAppFactory.AdminName, WebAppFactory.AdminPassword));
    }

    [Fact]
    public async Task One_address_may_post_the_form_only_so_often_whatever_the_names_and_others_still_may()
    {
        await using var web = Web(new() { ["StaffAccounts:SignInAttemptsPerAddress"] = "5", ["StaffAccounts:SignInAttemptWindow"] = "01:00:00" });
        var server = web.StartOnLoopback();
        using var attacker = new ProxiedClient(server, Attacker);
        using var labPc = new ProxiedClient(server, LabPc);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await AnswerAsync(attacker, $"name-{i}", "Wrong-guess-0000")).Item1);
        }

        using var limited = await attacker.SignInAsync("name-5", "Wrong-guess-0000");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Contains("Too many sign-in attempts came from this computer", await limited.Content.ReadAsStringAsync());
        using var admin = await labPc.SignInAsync(WebAppFactory.AdminName, WebAppFactory.AdminPassword);
        Assert.True(ProxiedClient.SignedIn(admin));
    }

    [Fact]
    public async Task An_admin_unlocking_a_refused_account_lets_it_sign_in_again_from_where_it_was_refused()
    {
        await using var web = Web(new() { ["StaffAccounts:MaxFailedSignIns"] = "3" });
        var server = web.StartOnLoopback();
        var password = await web.EnsureUserAsync(WebAppFactory.ReviewerName, StaffRoles.Reviewer);
        using var sharedPc = new ProxiedClient(server, Attacker);
        using var adminPc = new ProxiedClient(server, LabPc);
        for (var i = 0; i < 3; i++)
        {
            using var typo = await sharedPc.SignInAsync(WebAppFactory.ReviewerName, $"Wrong-guess-{i:D4}");
        }

        using (var refused = await sharedPc.SignInAsync(WebAppFactory.ReviewerName, password))
        {
            Assert.False(ProxiedClient.SignedIn(refused));
        }

        using (var admin = await adminPc.SignInAsync(WebAppFactory.AdminName, WebAppFactory.AdminPassword))
        {
            Assert.True(ProxiedClient.SignedIn(admin));
        }

        // The deployment secret opens only the change-password page.
        using (var changed = await adminPc.ChangePasswordAsync(WebAppFactory.AdminPassword, WebAppFactory.AdminOwnPassword))
        {
            Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        }

        using var list = await adminPc.SendAsync(HttpMethod.Get, "/Admin/Users");
        var html = await list.Content.ReadAsStringAsync();
        var unlock = Regex.Match(html, "<form[^>]*action=\"([^\"]*handler=Unlock[^\"]*)\"");
        Assert.True(unlock.Success, "the staff list offers no Unlock for the refused account");
        using var unlocked = await adminPc.SendAsync(HttpMethod.Post, WebUtility.HtmlDecode(unlock.Groups[1].Value), new FormUrlEncodedContent(
            new Dictionary<string, string> { ["__RequestVerificationToken"] = FormPoster.HiddenValue(html, "__RequestVerificationToken")! }));
        Assert.Equal($"Unlocked {WebAppFactory.ReviewerName}.", FormPoster.TestIdText(await unlocked.Content.ReadAsStringAsync(), "admin-message"));

        using var again = await sharedPc.SignInAsync(WebAppFactory.ReviewerName, password);
        Assert.True(ProxiedClient.SignedIn(again));
    }

    [Fact]
    public async Task An_unknown_name_has_a_password_hashed_like_an_existing_one()
    {
        var hasher = new CountingHasher();
        await using var web = Web(services: s => s.AddSingleton<IPasswordHasher<IdentityUser>>(sp =>
            hasher.Wrap(new PasswordHasher<IdentityUser>(sp.GetRequiredService<IOptions<PasswordHasherOptions>>()))));
        using var client = web.CreateClient();

        var before = hasher.Verifications;
        using var existing = await WebAppFactory.SignInAsync(client, WebAppFactory.AdminName, "Wrong-guess-0000");
        var afterExisting = hasher.Verifications;
        using var unknown = await WebAppFactory.SignInAsync(client, "nobody-of-that-name", "Wrong-guess-0000");

        Assert.Equal(1, afterExisting - before);
        Assert.Equal(1, hasher.Verifications - afterExisting);
    }

    [Fact]
    public async Task A_password_typed_into_the_name_field_does_not_reach_the_logs()
    {
        const string typed = "Typed-password-9f3b";
        var logs = new CapturedLogs();
        await using var web = Web(new() { ["Logging:LogLevel:Default"] = "Trace" }, s => s.AddSingleton<ILoggerProvider>(logs));
        using var client = web.CreateClient();

        using var failed = await WebAppFactory.SignInAsync(client, typed, "Wrong-guess-0000");
        using var admin = await WebAppFactory.SignInAsync(client, WebAppFactory.AdminName, WebAppFactory.AdminPassword);

        Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        Assert.NotEmpty(logs.Lines);
        Assert.DoesNotContain(logs.Lines, line => line.Contains(typed, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(logs.Lines, line => line.Contains(WebAppFactory.AdminPassword, StringComparison.Ordinal));
    }

    private static WebAppFactory Web(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        settings ??= [];
        settings["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1";
        return new WebAppFactory(WebAppFactory.ClosedLoopbackAddress(), settings) { TestServices = services };
    }

    private static async Task<(HttpStatusCode, string?)> AnswerAsync(ProxiedClient client, string userName, string password)
    {
        using var response = await client.SignInAsync(userName, password);
        return (response.StatusCode, FormPoster.TestIdText(await response.Content.ReadAsStringAsync(), "signin-error"));
    }

    private sealed class CountingHasher
    {
        private int verifications;

        public int Verifications => Volatile.Read(ref verifications);

        public IPasswordHasher<IdentityUser> Wrap(IPasswordHasher<IdentityUser> inner) => new Counting(inner, this);

        private sealed class Counting(IPasswordHasher<IdentityUser> inner, CountingHasher counter) : IPasswordHasher<IdentityUser>
        {
            public string HashPassword(IdentityUser user, string password) => inner.HashPassword(user, password);

            public PasswordVerificationResult VerifyHashedPassword(IdentityUser user, string hashedPassword, string providedPassword)
            {
                Interlocked.Increment(ref counter.verifications);
                return inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
            }
        }
    }

    /// <summary>Every log line with its structured values, at every level.</summary>
    private sealed class CapturedLogs : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturedLogs logs) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
                logs.Lines.Enqueue($"{formatter(state, exception)} {values} {exception}");
            }
        }
    }
}
