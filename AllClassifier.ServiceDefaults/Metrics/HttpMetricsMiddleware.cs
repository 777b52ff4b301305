using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace AllClassifier.ServiceDefaults.Metrics;

/// <summary>Records each request under its route template (never the raw path) once the response is done.</summary>
internal sealed class HttpMetricsMiddleware(RequestDelegate next, HttpMetrics metrics, IOptions<HttpMetricsOptions> options)
{
    private readonly string[] _excluded = [.. options.Value.ExcludedPaths];

    public async Task InvokeAsync(HttpContext context)
    {
        if (IsExcluded(context.Request.Path))
        {
            await next(context);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var statusCode = StatusCodes.Status500InternalServerError;
        try
        {
            await next(context);
            statusCode = context.Response.StatusCode;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away mid-request (a closed tab, a load generator stopping): nobody receives an
            // answer, so it is counted as the client's doing, not as a server error.
            statusCode = StatusCodes.Status499ClientClosedRequest;
            throw;
        }
        finally
        {
            // An exception escaping here reaches the server as a 500, so it is counted as one.
            metrics.Record(
                context.Request.Method,
                Handler(context),
                statusCode,
                Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    private bool IsExcluded(PathString path)
    {
        foreach (var prefix in _excluded)
        {
            if (path.StartsWithSegments(prefix))
            {
                return true;
            }
        }

        return false;
    }

    private static string Handler(HttpContext context)
    {
        if (context.GetEndpoint() is not RouteEndpoint endpoint || endpoint.RoutePattern.RawText is not { } template)
        {
            return HttpMetrics.UnmatchedHandler;
        }

        // Group prefixes combine into "/predict/" for an endpoint mapped at "/"; the original reported "/predict".
        var trimmed = template.Length > 1 ? template.TrimEnd('/') : template;
        return trimmed.StartsWith('/') ? trimmed : "/" + trimmed;
    }
}
