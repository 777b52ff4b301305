using AllClassifier.AppHost.Extensions;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AllClassifier.AppHost.Tests;

/// <summary>
/// <c>AllClassifier:FeedbackStore=postgres</c> without a container engine: the app host runs the installed PostgreSQL
/// server on a cluster under the data root and hands its <c>feedback</c> database to backend and trainer. Only the
/// database is started here; the services' use of it is covered by the API and trainer tests.
/// </summary>
public sealed class LocalPostgresTests : IAsyncLifetime
{
    private const string Password = "apphost-test-pg-Password1";
    private static readonly TimeSpan StartDeadline = TimeSpan.FromMinutes(2);

    private readonly string _dataRoot = Directory.CreateTempSubdirectory("allclassifier-apphost-pg-").FullName;

    public Task InitializeAsync()
    {
        // The server runs as the postgres account when the tests run as root: it must be able to reach its folder.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_dataRoot, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_dataRoot, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Backend_and_trainer_get_the_feedback_database_of_a_local_server_that_starts_and_answers()
    {
        if (LocalPostgres.FindBinaries() is null)
        {
            // scripts/test.sh installs the postgresql package; without it the app host refuses the setting (below).
            await Assert.ThrowsAnyAsync<Exception>(() => CreateAsync(CancellationToken.None));
            return;
        }

        using var timeout = new CancellationTokenSource(StartDeadline);
        var builder = await CreateAsync(timeout.Token);
        var postgres = Assert.IsType<LocalPostgresResource>(builder.Resources.Single(r => r.Name == "postgres"));
        foreach (var service in new[] { "backend", "trainer" })
        {
            var project = builder.Resources.Single(r => r.Name == service);
            Assert.Contains(project.Annotations.OfType<WaitAnnotation>(), wait => wait.Resource == postgres);
        }

        // Start the database alone: the services (and Prometheus, which scrapes them) take minutes and are tested elsewhere.
        foreach (var other in builder.Resources.Where(r => r != postgres && r is not ParameterResource).ToList())
        {
            builder.Resources.Remove(other);
        }

        await using var app = await builder.BuildAsync(timeout.Token);
        await app.StartAsync(timeout.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("postgres", timeout.Token);

        var connectionString = await postgres.ConnectionStringExpression.GetValueAsync(timeout.Token);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(timeout.Token);
        Assert.Equal("feedback", connection.Database);
        await using var where = new NpgsqlCommand("SELECT inet_server_addr()::text, current_setting('data_directory')", connection);
        await using var reader = await where.ExecuteReaderAsync(timeout.Token);
        Assert.True(await reader.ReadAsync(timeout.Token));
        Assert.Equal("127.0.0.1/32", reader.GetString(0));
        Assert.Equal(Path.Combine(_dataRoot, "postgres", "data"), reader.GetString(1));
    }

    private async Task<IDistributedApplicationTestingBuilder> CreateAsync(CancellationToken cancellationToken) =>
        await DistributedApplicationTestingBuilder.CreateAsync<Projects.AllClassifier_AppHost>(
            [
                $"AllClassifier:DataRoot={_dataRoot}",
                "AllClassifier:Containers=never",
                "AllClassifier:FeedbackStore=postgres",
                $"Parameters:{FeedbackStoreExtensions.PostgresPasswordParameter}={Password}",
                $"Parameters:{AccessExtensions.ApiKeyParameter}=apphost-test-api-key",
                $"Parameters:{AccessExtensions.FirstAdminPasswordParameter}=Apphost-admin-password-1",
            ],
            cancellationToken);
}
