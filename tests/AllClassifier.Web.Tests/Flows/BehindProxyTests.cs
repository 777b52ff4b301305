using System.Net;
using AllClassifier.Web.Staff;
using AllClassifier.Web.Tests.Infrastructure;

namespace AllClassifier.Web.Tests.Flows;

/// <summary>
/// The web app in production behind a TLS-terminating proxy on 127.0.0.1: forwarded headers count only from the
/// configured proxies, cookies are <c>Secure</c>, HSTS is sent and redirects stay on https.
/// </summary>
public sealed class BehindProxyTests
{
    [Fact]
    public async Task A_trusted_proxy_saying_https_gets_https_redirects_hsts_and_secure_cookies()
    {
        await using var web = Production(new() { ["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1" });
        using var browser = new ProxiedClient(web.StartOnLoopback(), "203.0.113.7");

        using var page = await browser.SendAsync(HttpMethod.Get, "/Model");
        using var signedIn = await browser.SignInAsync(WebAppFactory.AdminName, WebAppFactory.AdminPassword);

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("https://lab.example" + StaffAccountsExtensions.SignInPath, page.Headers.Location!.GetLeftPart(UriPartial.Path));
        Assert.Contains("max-age=", Assert.Single(page.Headers.GetValues("Strict-Transport-Security")));
        Assert.True(ProxiedClient.SignedIn(signedIn));
        Assert.Contains(browser.SetCookies, c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal));
        Assert.Contains(browser.SetCookies, c => c.StartsWith(".AspNetCore.Identity.Application=", StringComparison.Ordinal));
        Assert.All(browser.SetCookies, c => Assert.Contains("; secure", c, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("10.9.9.9")]
    public async Task Forwarded_headers_from_an_address_that_is_not_a_configured_proxy_are_ignored(string? proxy)
    {
        await using var web = Production(proxy is null ? [] : new() { ["ForwardedHeaders:KnownProxies:0"] = proxy });
        using var browser = new ProxiedClient(web.StartOnLoopback(), "203.0.113.7");

        using var page = await browser.SendAsync(HttpMethod.Get, "/Model");

        // Still plain HTTP to the app: sent to https rather than to the sign-in page, and no HSTS over HTTP.
        Assert.Equal(HttpStatusCode.PermanentRedirect, page.StatusCode);
        Assert.Equal("https://lab.example/Model", page.Headers.Location!.GetLeftPart(UriPartial.Path));
        Assert.False(page.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task In_production_pages_over_plain_http_are_sent_to_https_and_probes_are_not()
    {
        await using var web = Production([]);
        using var client = web.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        using var page = await client.GetAsync(StaffAccountsExtensions.SignInPath);
        using var health = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.PermanentRedirect, page.StatusCode);
        Assert.Equal("https://localhost" + StaffAccountsExtensions.SignInPath, page.Headers.Location!.GetLeftPart(UriPartial.Path));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task A_deployment_without_tls_that_allows_plain_http_serves_pages_and_signs_in_without_secure_cookies()
    {
        await using var web = Production(new() { ["TransportSecurity:AllowPlainHttp"] = "true" });
        // No proxy is configured: the forwarded headers are ignored and the app sees plain HTTP.
        using var browser = new ProxiedClient(web.StartOnLoopback(), "203.0.113.7");

        using var page = await browser.SendAsync(HttpMethod.Get, StaffAccountsExtensions.SignInPath);
        using var signedIn = await browser.SignInAsync(WebAppFactory.AdminName, WebAppFactory.AdminPassword);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.True(ProxiedClient.SignedIn(signedIn));
        Assert.Contains(browser.SetCookies, c => c.StartsWith(".AspNetCore.Identity.Application=", StringComparison.Ordinal));
        Assert.All(browser.SetCookies, c => Assert.DoesNotContain("; secure", c, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void A_proxy_setting_that_is_not_an_address_stops_the_start()
    {
        using var web = Production(new() { ["ForwardedHeaders:KnownNetworks:0"] = "10.0.0.0/33" });

        var failure = Assert.ThrowsAny<Exception>(() => web.CreateClient());

        Assert.Contains("ForwardedHeaders", failure.ToString(), StringComparison.Ordinal);
    }

    private static WebAppFactory Production(Dictionary<string, string?> settings)
    {
        settings["environment"] = "Production";
        return new WebAppFactory(WebAppFactory.ClosedLoopbackAddress(), settings);
    }
}
