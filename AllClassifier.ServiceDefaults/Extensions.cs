using AllClassifier.ServiceDefaults.Metrics;
using AllClassifier.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every AllClassifier service shares: OpenTelemetry (OTLP when configured, Prometheus scraping always),
/// health endpoints, service discovery and resilient HttpClients, and the HTTP metrics under the names the
/// original stack's dashboards query.
/// </summary>
public static class ServiceDefaultsExtensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";
    public const string ReadinessEndpointPath = "/ready";

    /// <summary>Health checks that must pass before a replica takes traffic (<c>/ready</c>).</summary>
    public const string ReadyTag = "ready";
    public const string MetricsEndpointPath = "/metrics";
    public const string LiveTag = "live";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        // First, so every options class after it binds its section with the flat names already in place.
        builder.Configuration.AddSettingAliases();
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOptions<HttpMetricsOptions>()
            .BindConfiguration(HttpMetricsOptions.SectionName);
        builder.Services.AddSingleton<HttpMetrics>();
        builder.Services.AddSingleton<HostMetrics>();

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddMeter(HttpMetrics.MeterName, HostMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                // Scrapes must see the latest values: tests and dashboards read right after traffic.
                .AddPrometheusExporter(options => options.ScrapeResponseCacheDurationMilliseconds = 0))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddAspNetCoreInstrumentation(options =>
                    options.Filter = context => !IsInfrastructurePath(context.Request.Path))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (every check), <c>/alive</c> (liveness only), <c>/ready</c> (checks tagged ready) and <c>/metrics</c> (Prometheus), and
    /// records every request under the LLD's HTTP metric names. Call it before the application's endpoints and
    /// before authentication, so refused requests are counted too. <paramref name="metricsPolicy"/> names an
    /// authorization policy for <c>/metrics</c>; probes and scrapes are never rate limited. <paramref name="healthDetailPolicy"/>
    /// names the policy a caller must meet to read each check's description in <c>/health</c> (descriptions name
    /// paths, hosts and exception text); null shows them to every caller.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app, string? metricsPolicy = null, string? healthDetailPolicy = null)
    {
        // The host and process gauges are observed on scrape; resolving them here registers their callbacks.
        app.Services.GetRequiredService<HostMetrics>();

        app.UseMiddleware<HttpMetricsMiddleware>();
        var metrics = app.MapPrometheusScrapingEndpoint(MetricsEndpointPath).DisableRateLimiting();
        if (metricsPolicy is not null)
        {
            metrics.RequireAuthorization(metricsPolicy);
        }

        // Probes never authenticate; what /health says beyond the status depends on the caller (HealthReportWriter).
        app.MapHealthChecks(HealthEndpointPath, new HealthCheckOptions { ResponseWriter = HealthReportWriter.For(healthDetailPolicy) })
            .DisableRateLimiting()
            .AllowAnonymous();
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(LiveTag),
        }).DisableRateLimiting().AllowAnonymous();

        // Degraded is not ready: a probe sends no traffic to a replica whose model is still loading or warming.
        app.MapHealthChecks(ReadinessEndpointPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = Microsoft.AspNetCore.Http.StatusCodes.Status200OK,
                [HealthStatus.Degraded] = Microsoft.AspNetCore.Http.StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = Microsoft.AspNetCore.Http.StatusCodes.Status503ServiceUnavailable,
            },
        }).DisableRateLimiting().AllowAnonymous();

        return app;
    }

    internal static bool IsInfrastructurePath(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments(HealthEndpointPath)
        || path.StartsWithSegments(AlivenessEndpointPath)
        || path.StartsWithSegments(ReadinessEndpointPath)
        || path.StartsWithSegments(MetricsEndpointPath);
}
