using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace AllClassifier.Web.Security;

/// <summary>
/// The web app behind a TLS-terminating proxy: the client's address and scheme from the trusted proxies' forwarded
/// headers, so redirects go to <c>https://</c>, HSTS is sent and per-address limits see the real client; and cookies
/// that never travel over plain HTTP outside development.
/// </summary>
public static class TransportSecurityExtensions
{
    public static IHostApplicationBuilder AddTransportSecurity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TrustedProxyOptions>()
            .BindConfiguration(TrustedProxyOptions.SectionName)
            .Validate(o => o.IsValid(), $"{TrustedProxyOptions.SectionName}: KnownProxies must be IP addresses, KnownNetworks CIDR networks (10.0.0.0/8) and ForwardLimit positive.")
            .ValidateOnStart();
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<TrustedProxyOptions>>((forwarded, trusted) =>
        {
            // The host is not taken from the proxy: a proxy passes the Host header through, and AllowedHosts guards it.
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.ForwardLimit = trusted.Value.ForwardLimit;
            // ASP.NET Core trusts loopback by default; only what is configured is trusted here.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in trusted.Value.KnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in trusted.Value.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });

        builder.Services.AddOptions<TransportSecurityOptions>().BindConfiguration(TransportSecurityOptions.SectionName);
        var secure = CookieSecurity(builder.Environment);
        builder.Services.AddAntiforgery(antiforgery => antiforgery.Cookie.SecurePolicy = secure);
        // Applied after every scheme's own configuration, so the sign-in cookies of Identity and OIDC follow it too.
        builder.Services.AddSingleton<IPostConfigureOptions<Microsoft.AspNetCore.Antiforgery.AntiforgeryOptions>>(services =>
            new PostConfigureOptions<Microsoft.AspNetCore.Antiforgery.AntiforgeryOptions, IOptions<TransportSecurityOptions>>(
                null, services.GetRequiredService<IOptions<TransportSecurityOptions>>(), (antiforgery, transport) =>
                {
                    if (transport.Value.AllowPlainHttp)
                    {
                        antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                    }
                }));
        builder.Services.AddSingleton<IPostConfigureOptions<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions>>(services =>
            new PostConfigureOptions<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions, IOptions<TransportSecurityOptions>>(
                null, services.GetRequiredService<IOptions<TransportSecurityOptions>>(), (cookie, transport) =>
                {
                    if (transport.Value.AllowPlainHttp)
                    {
                        cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                    }
                }));
        var httpsPort = int.TryParse(builder.Configuration["HTTPS_PORT"] ?? builder.Configuration["ASPNETCORE_HTTPS_PORT"], out var port) ? port : 443;
        builder.Services.AddHttpsRedirection(redirection =>
        {
            redirection.HttpsPort = httpsPort;
            redirection.RedirectStatusCode = StatusCodes.Status308PermanentRedirect;
        });
        return builder;
    }

    /// <summary>The cookie policy of sign-in cookies: <c>Secure</c> always, except in development over plain HTTP.</summary>
    public static CookieSecurePolicy CookieSecurity(IHostEnvironment environment) =>
        environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;

    /// <summary>
    /// First in the pipeline, so everything after sees the client's address and scheme. With no proxy configured the
    /// forwarded headers middleware is left out: with empty lists ASP.NET Core would believe every sender.
    /// </summary>
    public static WebApplication UseTransportSecurity(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<TrustedProxyOptions>>().Value.Enabled)
        {
            app.UseForwardedHeaders();
        }

        // Outside development a page over plain HTTP could not keep its Secure cookies: it is sent to https instead.
        // Probes and scrapes stay on plain HTTP, which is how orchestrators and Prometheus reach a container.
        var plainHttp = app.Services.GetRequiredService<IOptions<TransportSecurityOptions>>().Value.AllowPlainHttp;
        if (plainHttp && !app.Environment.IsDevelopment())
        {
            app.Logger.LogWarning("TransportSecurity:AllowPlainHttp is set: pages and sign-in cookies travel over plain HTTP; put a TLS proxy in front");
        }

        if (!app.Environment.IsDevelopment() && !plainHttp)
        {
            app.UseWhen(context => !IsInfrastructurePath(context.Request.Path), https => https.UseHttpsRedirection());
        }

        return app;
    }

    private static bool IsInfrastructurePath(PathString path) =>
        path.StartsWithSegments(ServiceDefaultsExtensions.HealthEndpointPath)
        || path.StartsWithSegments(ServiceDefaultsExtensions.AlivenessEndpointPath)
        || path.StartsWithSegments(ServiceDefaultsExtensions.MetricsEndpointPath);
}
