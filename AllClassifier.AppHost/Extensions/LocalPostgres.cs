using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AllClassifier.AppHost.Extensions;

/// <summary>
/// A PostgreSQL server run from locally installed binaries (Debian's <c>postgresql</c> package) when no container
/// engine answers: one cluster under the data root, bound to loopback, holding the <c>feedback</c> database.
/// </summary>
public sealed class LocalPostgresResource(string name, string command, string workingDirectory, ParameterResource password, string database)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string EndpointName = "tcp";
    internal const string SuperUser = "postgres";

    public EndpointReference Endpoint => field ??= new EndpointReference(this, EndpointName);

    public ParameterResource Password { get; } = password;

    public string Database { get; } = database;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={Endpoint.Property(EndpointProperty.Host)};Port={Endpoint.Property(EndpointProperty.Port)};Username={SuperUser};Password={Password};Database={Database}");
}

public static class LocalPostgres
{
    // initdb and postgres refuse to run as root; Debian's package creates this account for them.
    private const string ServiceAccount = "postgres";

    private static bool RunningAsRoot => Environment.UserName == "root";

    /// <summary>The newest installed server's <c>bin</c> folder (<c>/usr/lib/postgresql/&lt;major&gt;/bin</c>), or null.</summary>
    public static string? FindBinaries(string installRoot = "/usr/lib/postgresql") =>
        Directory.Exists(installRoot)
            ? Directory.EnumerateDirectories(installRoot)
                .Select(folder => (Folder: folder, Major: int.TryParse(Path.GetFileName(folder), out var major) ? major : -1))
                .Where(v => v.Major > 0 && File.Exists(Path.Combine(v.Folder, "bin", "postgres")) && File.Exists(Path.Combine(v.Folder, "bin", "initdb")))
                .OrderByDescending(v => v.Major)
                .Select(v => Path.Combine(v.Folder, "bin"))
                .FirstOrDefault()
            : null;

    /// <summary>
    /// PostgreSQL from <paramref name="binDirectory"/> on a cluster in <c>&lt;data root&gt;/postgres</c>: created with
    /// <paramref name="database"/> on first start; the superuser's password is set to <paramref name="password"/> before
    /// every start, so the cluster follows the parameter. Listens on 127.0.0.1 only, with no Unix socket.
    /// </summary>
    public static IResourceBuilder<LocalPostgresResource> AddLocalPostgres(
        this IDistributedApplicationBuilder builder, string name, string binDirectory, DataRoot dataRoot, IResourceBuilder<ParameterResource> password, string database)
    {
        var root = Path.Combine(dataRoot.Path, "postgres");
        var cluster = new ClusterFolder(root, binDirectory);
        var server = Path.Combine(binDirectory, "postgres");
        var resource = new LocalPostgresResource(name, RunningAsRoot ? "runuser" : server, root, password.Resource, database);

        string? connectionString = null;
        var healthCheckKey = $"{name}-ready";
        builder.Services.AddHealthChecks().AddNpgSql(
            _ => connectionString ?? throw new InvalidOperationException($"{name}'s connection string is not known yet."),
            name: healthCheckKey);

        var postgres = builder.AddResource(resource)
            .WithEndpoint(name: LocalPostgresResource.EndpointName, scheme: "tcp")
            .WithHealthCheck(healthCheckKey)
            .ExcludeFromManifest();
        var endpoint = resource.Endpoint;

        return postgres
            .WithArgs(context =>
            {
                if (RunningAsRoot)
                {
                    context.Args.Add("-u");
                    context.Args.Add(ServiceAccount);
                    context.Args.Add("--");
                    context.Args.Add(server);
                }

                context.Args.Add("-D");
                context.Args.Add(cluster.DataDirectory);
                context.Args.Add("-p");
                context.Args.Add(endpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("-c");
                context.Args.Add("listen_addresses=127.0.0.1");
                context.Args.Add("-c");
                context.Args.Add("unix_socket_directories=");
            })
            .OnConnectionStringAvailable(async (r, _, cancellationToken) =>
                connectionString = await r.ConnectionStringExpression.GetValueAsync(cancellationToken))
            .OnBeforeResourceStarted(async (r, startedEvent, cancellationToken) =>
            {
                var logger = startedEvent.Services.GetRequiredService<ResourceLoggerService>().GetLogger(r);
                var secret = await r.Password.GetValueAsync(cancellationToken)
                    ?? throw new InvalidOperationException($"The parameter '{r.Password.Name}' has no value.");
                await cluster.PrepareAsync(database, secret, logger, cancellationToken);
            });
    }

    /// <summary>The cluster's folder and the one-time and every-start preparation done with the single-user server.</summary>
    private sealed class ClusterFolder(string root, string binDirectory)
    {
        public string DataDirectory { get; } = Path.Combine(root, "data");

        public async Task PrepareAsync(string database, string password, ILogger logger, CancellationToken cancellationToken)
        {
            Directory.CreateDirectory(root);
            await GiveToServiceAccountAsync(root, cancellationToken);
            var statements = new List<string>();
            if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
            {
                // Created beside the final folder and moved into place only once complete: an interrupted first
                // start leaves no half-made cluster behind.
                var staging = DataDirectory + ".new";
                if (Directory.Exists(staging))
                {
                    Directory.Delete(staging, recursive: true);
                }

                logger.LogInformation("Creating a PostgreSQL cluster in {Directory}", DataDirectory);
                await RunToolAsync("initdb", ["-D", staging, "-U", LocalPostgresResource.SuperUser, "--auth-local=peer", "--auth-host=scram-sha-256", "-E", "UTF8"], null, cancellationToken);
                await RunToolAsync("postgres", ["--single", "-D", staging, "postgres"], $"CREATE DATABASE {database};\n", cancellationToken);
                Directory.Move(staging, DataDirectory);
                statements.Add($"database {database} created");
            }

            // The password follows the app host's parameter, also when it was changed after the cluster was made.
            await RunToolAsync("postgres", ["--single", "-D", DataDirectory, "postgres"], $"ALTER USER {LocalPostgresResource.SuperUser} PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}';\n", cancellationToken);
            logger.LogInformation("PostgreSQL cluster in {Directory} is ready ({Changes}password set)", DataDirectory, statements.Count > 0 ? string.Join(", ", statements) + ", " : "");
        }

        private async Task RunToolAsync(string tool, string[] arguments, string? input, CancellationToken cancellationToken)
        {
            var path = Path.Combine(binDirectory, tool);
            var start = RunningAsRoot ? new ProcessStartInfo("runuser") : new ProcessStartInfo(path);
            if (RunningAsRoot)
            {
                foreach (var prefix in new[] { "-u", ServiceAccount, "--", path })
                {
                    start.ArgumentList.Add(prefix);
                }
            }

            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            var (exitCode, error) = await RunAsync(start, input, cancellationToken);
            // The single-user server reports a failed statement on stderr and still exits 0.
            if (exitCode != 0 || error.Contains("ERROR:", StringComparison.Ordinal))
            {
                // The statement may hold the password: report the tool and its messages only.
                throw new InvalidOperationException($"PostgreSQL's {tool} failed (exit code {exitCode}): {error.Trim()}");
            }
        }

        private static async Task GiveToServiceAccountAsync(string folder, CancellationToken cancellationToken)
        {
            if (RunningAsRoot)
            {
                var (exitCode, error) = await RunAsync(new ProcessStartInfo("chown") { ArgumentList = { "-R", ServiceAccount, folder } }, null, cancellationToken);
                if (exitCode != 0)
                {
                    throw new InvalidOperationException($"Could not hand {folder} to the '{ServiceAccount}' account: {error.Trim()}");
                }
            }
        }

        private static async Task<(int ExitCode, string Error)> RunAsync(ProcessStartInfo start, string? input, CancellationToken cancellationToken)
        {
            start.RedirectStandardInput = true;
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;
            start.UseShellExecute = false;
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync(cancellationToken);
            await output;
            return (process.ExitCode, await error);
        }
    }
}
