namespace AllClassifier.Api.Replicas;

/// <summary>
/// Names the process that answered in every response (<c>X-Served-By: &lt;machine&gt;/&lt;process id&gt;</c>), so a
/// caller behind a load balancer can tell the replicas apart when it checks balance or which model each serves.
/// </summary>
public static class ServedByExtensions
{
    public const string HeaderName = "X-Served-By";

    /// <summary>This replica's name: the machine (a container's host name) and the process id.</summary>
    public static string Instance { get; } = $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>Adds the header when the response starts, so answers written by error handlers carry it too.</summary>
    public static WebApplication UseServedByHeader(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                context.Response.Headers[HeaderName] = Instance;
                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }
}
