using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AllClassifier.ServiceDefaults;

/// <summary>
/// <c>/health</c> answers its status as plain text (<c>Healthy</c>, what probes and scripts read); a client that
/// asks for <c>application/json</c> also gets every check's status and description.
/// </summary>
public static class HealthReportWriter
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
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
                entry => new { status = entry.Value.Status.ToString(), description = entry.Value.Description }),
        });
    }

    private static bool AcceptsJson(HttpRequest request) =>
        request.Headers.Accept.Any(value => value is not null && value
            .Split(',')
            .Any(item => MediaTypeWithQualityHeaderValue.TryParse(item, out var media) && media.MediaType == "application/json"));
}
