using System.Text.Json;
using AllClassifier.Api.Audit;
using AllClassifier.Api.Feedback;
using AllClassifier.Api.Tests.Audit;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Feedback;
using AllClassifier.Feedback.Audit;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AllClassifier.Api.Tests.Erasure;

/// <summary>
/// A deleted patient image, looked for in the SQLite files the way someone who copies them would: no 64-byte run of
/// the upload may remain in <c>feedback.db</c>, <c>feedback.db-wal</c> or <c>feedback.db-shm</c> once the delete has
/// answered, nor in <c>feedback.db</c> after the API stops — for <c>DELETE /feedback/{id}</c>, the retention sweep and
/// expired prediction images alike.
/// </summary>
public sealed class SqliteErasureTests : IDisposable
{
    private static readonly byte[] Kept = TestImages.Jpeg(seed: 9101, width: 480, height: 480);
    private static readonly byte[] Upload = TestImages.Jpeg(seed: 9102, width: 480, height: 480);

    private readonly string _feedback = Directory.CreateTempSubdirectory("allclassifier-erasure-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_feedback, recursive: true);
    }

    [Fact]
    public async Task A_deleted_correction_leaves_no_run_of_its_image_in_the_database_its_wal_or_after_the_api_stops()
    {
        var traces = new ImageTraces(Upload, [Kept]);
        var api = Api();
        var client = api.CreateClient();
        await CorrectAsync(client, Kept);
        var id = await CorrectAsync(client, Upload);
        AssertWritten(traces, api.DatabasePath);

        var deleted = await ApiAssert.OkJsonAsync(await client.SendAsync(AuditApi.As(HttpMethod.Delete, $"/feedback/{id}")));

        Assert.True(deleted.GetProperty("erased").GetBoolean());
        Assert.Equal(0, traces.FoundIn(ImageTraces.SqliteFiles(api.DatabasePath)));
        api.Dispose();
        SqliteConnection.ClearAllPools();
        Assert.Equal(0, traces.FoundIn(ImageTraces.SqliteFiles(api.DatabasePath)));
        Assert.Equal(1, FeedbackDatabase.Count(api.DatabasePath));
    }

    [Fact]
    public async Task Rows_the_retention_sweep_deletes_leave_no_run_of_their_images()
    {
        var traces = new ImageTraces(Upload, [Kept]);
        using var api = Api(new() { ["FEEDBACK_RETENTION_DAYS"] = "7" });
        var client = api.CreateClient();
        await CorrectAsync(client, Upload);
        AssertWritten(traces, api.DatabasePath);

        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(8));
        var sweep = await new FeedbackRetentionService(
            api.Services.GetRequiredService<IFeedbackStore>(),
            api.Services.GetRequiredService<IOptions<FeedbackOptions>>(),
            clock,
            NullLogger<FeedbackRetentionService>.Instance).SweepAsync(CancellationToken.None);

        Assert.Equal(new FeedbackDeletion(1, Erased: true), sweep);
        Assert.Equal(0, FeedbackDatabase.Count(api.DatabasePath));
        Assert.Equal(0, traces.FoundIn(ImageTraces.SqliteFiles(api.DatabasePath)));
    }

    [Fact]
    public async Task A_reader_on_an_old_snapshot_delays_the_erasure_the_answer_says_so_and_the_next_delete_completes_it()
    {
        var traces = new ImageTraces(Upload, [Kept]);
        using var api = Api(new() { ["Feedback:BusyTimeout"] = "00:00:00.300" });
        var client = api.CreateClient();
        var kept = await CorrectAsync(client, Kept);
        var id = await CorrectAsync(client, Upload);

        JsonElement deleted;
        using (var reader = new SqliteConnection($"Data Source={api.DatabasePath};Mode=ReadOnly;Pooling=false"))
        {
            // The trainer reading rows: a read transaction that still sees the row.
            reader.Open();
            using var snapshot = reader.BeginTransaction(deferred: true);
            using (var count = reader.CreateCommand())
            {
                count.CommandText = "SELECT count(*) FROM feedback";
                Assert.Equal(2L, count.ExecuteScalar());
            }

            deleted = await ApiAssert.OkJsonAsync(await client.SendAsync(AuditApi.As(HttpMethod.Delete, $"/feedback/{id}")));
            Assert.True(traces.FoundIn(ImageTraces.SqliteFiles(api.DatabasePath)) > 0);
        }

        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        Assert.False(deleted.GetProperty("erased").GetBoolean());
        Assert.Contains(api.Logs.GetSnapshot(), log => log.Message.Contains($"feedback row {id} is deleted but its bytes are still", StringComparison.Ordinal));

        var next = await ApiAssert.OkJsonAsync(await client.SendAsync(AuditApi.As(HttpMethod.Delete, $"/feedback/{kept}")));
        Assert.True(next.GetProperty("erased").GetBoolean());
        Assert.Equal(0, traces.FoundIn(ImageTraces.SqliteFiles(api.DatabasePath)));
    }

    [Fact]
    public async Task An_expired_prediction_image_leaves_no_run_of_it_after_the_audit_sweep()
    {
        var traces = new ImageTraces(Upload, [Kept]);
        using var api = Api();
        TestModels.Register(api.RegistryDirectory, TestModels.Model);
        await api.WaitForModelVersionAsync(1);
        var client = api.CreateClient();
        await CorrectAsync(client, Kept);
        await AuditApi.PredictAsync(client, Upload);
        AssertWritten(traces, api.DatabasePath);

        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(61));
        await new AuditRetentionService(
            new AuditLedger(api.Services.GetRequiredService<AuditDatabase>(), clock),
            api.Services.GetRequiredService<IOptions<AuditOptions>>(),
            clock,
            NullLogger<AuditRetentionService>.Instance).SweepAsync(CancellationToken.None);

        Assert.Equal(0, traces.FoundIn(ImageTraces.SqliteFiles(api.DatabasePath)));
    }

    private ApiFactory Api(Dictionary<string, string?>? settings = null) => new(_feedback, AuditApi.KeyedSettings(settings));

    private static async Task<long> CorrectAsync(HttpClient client, byte[] image)
    {
        var stored = await ApiAssert.OkJsonAsync(await client.SendAsync(AuditApi.As(HttpMethod.Post, "/feedback", content: Forms.Feedback("Pre", "Pro", image))));
        return stored.GetProperty("id").GetInt64();
    }

    /// <summary>The scan can find the upload: it is in the files before the delete.</summary>
    private static void AssertWritten(ImageTraces traces, string databasePath)
    {
        Assert.True(traces.Sampled >= 100, $"only {traces.Sampled} distinctive runs in the upload");
        Assert.True(traces.FoundIn(ImageTraces.SqliteFiles(databasePath)) >= traces.Sampled * 9 / 10);
    }
}
