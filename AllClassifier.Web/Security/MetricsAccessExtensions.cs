using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace AllClassifier.Web.Security;

/// <summary>Who may read the web app's <c>/metrics</c> (section <c>Metrics</c>).</summary>
public sealed class MetricsAccessOptions
{
    public const string SectionName = "Metrics";

    /// <summary>
    /// The bearer token Prometheus sends (<c>authorization: credentials</c> in its scrape job). Without one, only a
    /// scraper on this host may read the metrics: a direct loopback connection, not one a proxy forwarded.
    /// </summary>
    public string? ScrapeKey { get; set; }
}

public static class MetricsAccessExtensions
{
    // ASP.NET Core Identity's counters tell an existing name's failed sign-in from an unknown one's.
    private const string IdentityMeterName = "Microsoft.AspNetCore.Identity";

    public static IHostApplicationBuilder AddMetricsAccess(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MetricsAccessOptions>().BindConfiguration(MetricsAccessOptions.SectionName);
        builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddView(instrument =>
            instrument.Meter.Name.StartsWith(IdentityMeterName, StringComparison.Ordinal) ? MetricStreamConfiguration.Drop : null));
        return builder;
    }

    /// <summary>Refuses <c>/metrics</c> with 401 unless the caller has the scrape key or scrapes from this host.</summary>
    public static IApplicationBuilder UseMetricsAccess(this IApplicationBuilder app) =>
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments(ServiceDefaultsExtensions.MetricsEndpointPath),
            guarded => guarded.Use(async (context, next) =>
            {
                var key = context.RequestServices.GetRequiredService<IOptions<MetricsAccessOptions>>().Value.ScrapeKey;
                if (HasKey(context.Request, key) || (string.IsNullOrEmpty(key) && IsDirectFromThisHost(context)))
                {
                    await next(context);
                    return;
                }

                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer";
            }));

    private static bool HasKey(HttpRequest request, string? key)
    {
        if (string.IsNullOrEmpty(key) || request.Headers.Authorization.ToString() is not { } header
            || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim())), SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    // A proxy on this host makes every client look local: anything it forwarded (applied or not) is refused.
    private static bool IsDirectFromThisHost(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } address && IPAddress.IsLoopback(address)
        && !context.Request.Headers.ContainsKey("X-Forwarded-For")
        && !context.Request.Headers.ContainsKey("X-Original-For");
}
