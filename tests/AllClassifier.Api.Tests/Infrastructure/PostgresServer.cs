using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace AllClassifier.Tests.Postgres;

/// <summary>
/// A real PostgreSQL server (Debian's <c>postgresql</c> binaries) on a temporary cluster, listening on 127.0.0.1 at a
/// free port, for the tests' lifetime. initdb and postgres refuse to run as root, so as root they run as the
/// <c>postgres</c> user on a folder it owns. Each test asks for its own database, so tables never leak between tests.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private const string RunAsUser = "postgres";
    private static readonly bool IsRoot = Environment.UserName == "root";

    private readonly string _directory = Directory.CreateTempSubdirectory("allclassifier-pg-").FullName;
    private int _databases;

    private string DataDirectory => Path.Combine(_directory, "data");

    public int Port { get; } = FreePort();

    public async Task InitializeAsync()
    {
        if (IsRoot)
        {
            await RunAsync("chown", RunAsUser, _directory);
        }

        await RunPostgresToolAsync("initdb", "-D", DataDirectory, "-A", "trust", "-U", "postgres", "--no-sync");
        await RunPostgresToolAsync(
            "pg_ctl", "-D", DataDirectory, "-w", "-l", Path.Combine(_directory, "server.log"),
            "-o", $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1", "start");
    }

    /// <summary>A new, empty database and its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"test_{Interlocked.Increment(ref _databases)}";
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return ConnectionString(name);
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await RunPostgresToolAsync("pg_ctl", "-D", DataDirectory, "-w", "stop", "-m", "fast");
        Directory.Delete(_directory, recursive: true);
    }

    private string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = IPAddress.Loopback.ToString(),
        Port = Port,
        Username = "postgres",
        Database = database,
    }.ConnectionString;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task RunPostgresToolAsync(string tool, params string[] arguments) => IsRoot
        ? RunAsync("runuser", ["-u", RunAsUser, "--", Path.Combine(BinDirectory, tool), .. arguments])
        : RunAsync(Path.Combine(BinDirectory, tool), arguments);

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output}{await error}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL server";
}
