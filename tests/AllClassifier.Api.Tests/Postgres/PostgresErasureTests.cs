using AllClassifier.Api.Audit;
using AllClassifier.Api.Tests.Audit;
using AllClassifier.Api.Tests.Erasure;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Tests.Postgres;
using AllClassifier.Feedback.Audit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace AllClassifier.Api.Tests.Postgres;

/// <summary>
/// A deleted correction's image looked for in the files of the PostgreSQL database (table, TOAST table, indexes, free
/// space maps): none of its 64-byte runs may remain once <c>DELETE /feedback/{id}</c> has answered. The server's WAL
/// segments are outside this check; SECURITY.md says what the operator must do about them.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresErasureTests(PostgresServer server)
{
    private static readonly byte[] Kept = TestImages.Jpeg(seed: 9201, width: 480, height: 480);
    private static readonly byte[] Upload = TestImages.Jpeg(seed: 9202, width: 480, height: 480);
    private static readonly byte[] Later = TestImages.Jpeg(seed: 9203, width: 480, height: 480);

    [Fact]
    public async Task A_deleted_correction_leaves_no_run_of_its_image_in_the_database_files()
    {
        var connectionString = await server.CreateDatabaseAsync();
        using var api = new ApiFactory(settings: AuditApi.KeyedSettings(new Dictionary<string, string?> { ["ConnectionStrings:feedback"] = connectionString }));
        var client = api.CreateClient();
        var traces = new ImageTraces(Upload, [Kept, Later]);
        await CorrectAsync(client, Kept);
        var id = await CorrectAsync(client, Upload);
        // A later row, so the deleted one's pages are not simply cut off the end of the file.
        await CorrectAsync(client, Later);
        Assert.True(traces.Sampled >= 100, $"only {traces.Sampled} distinctive runs in the upload");
        Assert.True(await FoundInDatabaseFilesAsync(traces, connectionString) >= traces.Sampled * 9 / 10);

        var deleted = await ApiAssert.OkJsonAsync(await client.SendAsync(AuditApi.As(HttpMethod.Delete, $"/feedback/{id}")));

        Assert.True(deleted.GetProperty("erased").GetBoolean());
        Assert.Equal(2, deleted.GetProperty("feedback_count").GetInt64());
        Assert.Equal(0, await FoundInDatabaseFilesAsync(traces, connectionString));
    }

    [Fact]
    public async Task An_expired_prediction_image_leaves_no_run_of_it_in_the_database_files_after_the_audit_sweep()
    {
        var connectionString = await server.CreateDatabaseAsync();
        using var api = new ApiFactory(settings: AuditApi.KeyedSettings(new Dictionary<string, string?> { ["ConnectionStrings:feedback"] = connectionString }));
        TestModels.Register(api.RegistryDirectory, TestModels.Model);
        await api.WaitForModelVersionAsync(1);
        var client = api.CreateClient();
        var traces = new ImageTraces(Upload, [Kept, Later]);
        await CorrectAsync(client, Kept);
        await AuditApi.PredictAsync(client, Upload);
        await CorrectAsync(client, Later);
        Assert.True(await FoundInDatabaseFilesAsync(traces, connectionString) >= traces.Sampled * 9 / 10);

        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(61));
        await new AuditRetentionService(
            new AuditLedger(api.Services.GetRequiredService<AuditDatabase>(), clock),
            api.Services.GetRequiredService<IOptions<AuditOptions>>(),
            clock,
            NullLogger<AuditRetentionService>.Instance).SweepAsync(CancellationToken.None);

        Assert.Equal(0, await FoundInDatabaseFilesAsync(traces, connectionString));
    }

    /// <summary>Flushes the server's buffers to the files (CHECKPOINT), then scans every file of the database.</summary>
    private static async Task<int> FoundInDatabaseFilesAsync(ImageTraces traces, string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var checkpoint = new NpgsqlCommand("CHECKPOINT", connection))
        {
            await checkpoint.ExecuteNonQueryAsync();
        }

        await using var where = new NpgsqlCommand(
            "SELECT current_setting('data_directory'), (SELECT oid FROM pg_database WHERE datname = current_database())::text", connection);
        await using var reader = await where.ExecuteReaderAsync();
        await reader.ReadAsync();
        return traces.FoundIn(Directory.EnumerateFiles(Path.Combine(reader.GetString(0), "base", reader.GetString(1))));
    }

    private static async Task<long> CorrectAsync(HttpClient client, byte[] image)
    {
        var stored = await ApiAssert.OkJsonAsync(await client.SendAsync(
            AuditApi.As(HttpMethod.Post, "/feedback", content: Forms.Feedback("Pre", "Pro", image))));
        return stored.GetProperty("id").GetInt64();
    }
}
