using System.Net;
using System.Net.Http.Headers;
using AllClassifier.Web.Staff;

namespace AllClassifier.Web.Tests.Infrastructure;

/// <summary>
/// A browser behind a TLS-terminating proxy, as the web app sees it: requests over plain HTTP on loopback that carry
/// <c>X-Forwarded-For: <paramref name="clientAddress"/></c> and <c>X-Forwarded-Proto: https</c>. Cookies are kept
/// by hand, <c>Secure</c> ones included (the browser got them over HTTPS); redirects are not followed.
/// </summary>
public sealed class ProxiedClient(Uri server, string clientAddress, string host = "lab.example") : IDisposable
{
    private readonly HttpClient http = new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = server };
    private readonly Dictionary<string, string> cookies = [];

    /// <summary>Every <c>Set-Cookie</c> header received, as sent.</summary>
    public List<string> SetCookies { get; } = [];

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Host = host;
        request.Headers.Add("X-Forwarded-For", clientAddress);
        request.Headers.Add("X-Forwarded-Proto", "https");
        if (cookies.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", cookies.Select(c => $"{c.Key}={c.Value}")));
        }

        var response = await http.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            foreach (var setCookie in setCookies)
            {
                SetCookies.Add(setCookie);
                var pair = setCookie.Split(';')[0];
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                cookies[pair[..equals]] = pair[(equals + 1)..];
            }
        }

        return response;
    }

    /// <summary>Posts the sign-in form with the antiforgery token of a fresh sign-in page.</summary>
    public async Task<HttpResponseMessage> SignInAsync(string userName, string password)
    {
        using var page = await SendAsync(HttpMethod.Get, StaffAccountsExtensions.SignInPath);
        var token = FormPoster.HiddenValue(await page.Content.ReadAsStringAsync(), "__RequestVerificationToken")
            ?? throw new InvalidOperationException($"The sign-in page answered {(int)page.StatusCode} without a form.");
        return await SendAsync(HttpMethod.Post, StaffAccountsExtensions.SignInPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["UserName"] = userName,
            ["Password"] = password,
        }));
    }

    /// <summary>Posts the change-password form with the antiforgery token of a fresh change page.</summary>
    public async Task<HttpResponseMessage> ChangePasswordAsync(string current, string next)
    {
        using var page = await SendAsync(HttpMethod.Get, PasswordChange.PagePath);
        var token = FormPoster.HiddenValue(await page.Content.ReadAsStringAsync(), "__RequestVerificationToken")
            ?? throw new InvalidOperationException($"The change-password page answered {(int)page.StatusCode} without a form.");
        return await SendAsync(HttpMethod.Post, PasswordChange.PagePath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["CurrentPassword"] = current,
            ["NewPassword"] = next,
            ["ConfirmPassword"] = next,
        }));
    }

    /// <summary>True when <paramref name="response"/> is the redirect of a successful sign-in (to the Classify page).</summary>
    public static bool SignedIn(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.OriginalString == "/";

    public void Dispose() => http.Dispose();
}
