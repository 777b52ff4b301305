using System.Net.Http.Headers;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AllClassifier.ServiceDefaults;

/// <summary>
/// <c>/health</c> answers its status as plain text (<c>Healthy</c>, what probes and scripts read); a client that
/// asks for <c>application/json</c> also gets every check's status, and its description when the caller may read
/// it: descriptions name files, hosts, databases and exception text, which are no business of an anonymous caller.
/// </summary>
public static class HealthReportWriter
{
    /// <summary>Every check's description for every caller.</summary>
    public static Task WriteAsync(HttpContext context, HealthReport report) => WriteAsync(context, report, showDetail: true);

    /// <summary>A writer that shows descriptions only to callers meeting <paramref name="detailPolicy"/> (all when null).</summary>
    public static Func<HttpContext, HealthReport, Task> For(string? detailPolicy) => detailPolicy is null
        ? WriteAsync
        : async (context, report) =>
        {
            var showDetail = AcceptsJson(context.Request)
                && (await context.RequestServices.GetRequiredService<IAuthorizationService>()
                    .AuthorizeAsync(context.User, context, detailPolicy)).Succeeded;
            await WriteAsync(context, report, showDetail);
        };

    private static Task WriteAsync(HttpContext context, HealthReport report, bool showDetail)
    {
        if (!AcceptsJson(context.Request))
        {
            context.Response.ContentType = "text/plain";
            return context.Response.WriteAsync(report.Status.ToString());
        }

        return context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new { status = entry.Value.Status.ToString(), description = showDetail ? entry.Value.Description : null }),
        });
    }

    private static bool AcceptsJson(HttpRequest request) =>
        request.Headers.Accept.Any(value => value is not null && value
            .Split(',')
            .Any(item => MediaTypeWithQualityHeaderValue.TryParse(item, out var media) && media.MediaType == "application/json"));
}
