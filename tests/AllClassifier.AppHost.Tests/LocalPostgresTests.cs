using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AllClassifier.AppHost.Extensions;
using AllClassifier.Model;
using AllClassifier.Training.Synthetic;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AllClassifier.AppHost.Tests;

/// <summary>
/// <c>AllClassifier:FeedbackStore=postgres</c> without a container engine: the app host runs the installed PostgreSQL
/// server on a cluster under the data root and hands its <c>feedback</c> database to backend and trainer. Only the
/// database and the backend are started here (the web app, the trainer and Prometheus would take minutes); the
/// trainer's reading of PostgreSQL is covered by the trainer tests.
/// </summary>
public sealed class LocalPostgresTests : IAsyncLifetime
{
    private const string Password = "apphost-test-pg-Password1";
    private const string ApiKey = "apphost-pg-api-key-8e1";
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
    public async Task Backend_and_trainer_get_the_feedback_database_of_a_local_server_and_the_backend_stores_corrections_there()
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

        foreach (var other in builder.Resources.Where(r => r.Name is "web" or "trainer" or "prometheus").ToList())
        {
            builder.Resources.Remove(other);
        }

        await using var app = await builder.BuildAsync(timeout.Token);
        await app.StartAsync(timeout.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("postgres", timeout.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("backend", timeout.Token);
        using var backend = app.CreateHttpClient("backend", "http");
        using var healthRequest = new HttpRequestMessage(HttpMethod.Get, "health");
        healthRequest.Headers.Accept.ParseAdd("application/json");
        healthRequest.Headers.Add("X-Api-Key", ApiKey);
        using var health = await backend.SendAsync(healthRequest, timeout.Token);
        var store = (await health.Content.ReadFromJsonAsync<JsonElement>(timeout.Token)).GetProperty("checks").GetProperty("feedback-store");
        Assert.Equal("Healthy", store.GetProperty("status").GetString());
        Assert.StartsWith("PostgreSQL database feedback on ", store.GetProperty("description").GetString(), StringComparison.Ordinal);
        using var feedback = new HttpRequestMessage(HttpMethod.Post, "feedback") { Content = Correction() };
        feedback.Headers.Add("X-Api-Key", ApiKey);
        using var stored = await backend.SendAsync(feedback, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);

        var connectionString = await postgres.ConnectionStringExpression.GetValueAsync(timeout.Token);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(timeout.Token);
        Assert.Equal("feedback", connection.Database);
        await using var where = new NpgsqlCommand("SELECT inet_server_addr()::text, current_setting('data_directory')", connection);
        await using var reader = await where.ExecuteReaderAsync(timeout.Token);
        Assert.True(await reader.ReadAsync(timeout.Token));
        Assert.Equal("127.0.0.1/32", reader.GetString(0));
        Assert.Equal(Path.Combine(_dataRoot, "postgres", "data"), reader.GetString(1));
        await reader.CloseAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM feedback", connection);
        Assert.Equal(1L, await count.ExecuteScalarAsync(timeout.Token));
    }

    private static MultipartFormDataContent Correction()
    {
        var file = new ByteArrayContent(new SmearGenerator(seed: 5).GenerateJpeg(CellClass.Pro, 0));
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        return new MultipartFormDataContent
        {
            { file, "file", "smear.jpg" },
            { new StringContent("Pro"), "correct_label" },
            { new StringContent("Pre"), "predicted_label" },
        };
    }

    private async Task<IDistributedApplicationTestingBuilder> CreateAsync(CancellationToken cancellationToken) =>
        await DistributedApplicationTestingBuilder.CreateAsync<Projects.AllClassifier_AppHost>(
            [
                $"AllClassifier:DataRoot={_dataRoot}",
                "AllClassifier:Containers=never",
                "AllClassifier:FeedbackStore=postgres",
                $"Parameters:{FeedbackStoreExtensions.PostgresPasswordParameter}={Password}",
                $"Parameters:{AccessExtensions.ApiKeyParameter}={ApiKey}",
                $"Parameters:{AccessExtensions.FirstAdminPasswordParameter}=Apphost-admin-password-1",
            ],
            cancellationToken);
}
