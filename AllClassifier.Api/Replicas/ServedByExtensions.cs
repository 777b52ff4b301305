using System.Security.Cryptography;

namespace AllClassifier.Api.Replicas;

/// <summary>
/// Names the process that answered in every response (<c>X-Served-By: &lt;replica id&gt;</c>), so a caller behind a
/// load balancer can tell the replicas apart when it checks balance or which model each serves. The id is random
/// per process: machine names and process ids would tell anyone who can reach the API about its hosts. The log
/// records which machine and process an id belongs to.
/// </summary>
public static partial class ServedByExtensions
{
    public const string HeaderName = "X-Served-By";

    /// <summary>This replica's opaque name, drawn when the process starts.</summary>
    public static string Instance { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>Adds the header when the response starts, so answers written by error handlers carry it too.</summary>
    public static WebApplication UseServedByHeader(this WebApplication app)
    {
        LogReplica(app.Logger, Instance, Environment.MachineName, Environment.ProcessId);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Answering as replica {Replica} ({Machine}, process {ProcessId})")]
    private static partial void LogReplica(ILogger logger, string replica, string machine, int processId);
}
