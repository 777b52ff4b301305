using AllClassifier.Model;
using AllClassifier.Model.Registry;
using AllClassifier.Tests.Postgres;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AllClassifier.Feedback.Tests;

/// <summary>
/// "Rows pending since the model was trained" over both stores, written by the API's own stores: rows above the
/// newest high-water mark that the trainer would train on, never a NotAssessable verdict or a row without an image.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PendingFeedbackTests(PostgresServer server) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("allclassifier-feedback-").FullName;

    [Fact]
    public async Task SQLite_counts_class_rows_with_images_above_the_mark()
    {
        var store = new SqliteFeedbackStore(Options.Create(new FeedbackOptions { Directory = _directory }), TimeProvider.System);
        await AddCorrectionsAsync(store, 4);
        using (var connection = new SqliteConnection($"Data Source={store.DatabasePath};Pooling=false"))
        {
            connection.Open();
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO feedback(ts, correct, predicted, img) VALUES (1, 'NotAssessable', 'Pre', x'01'), (1, 'Pro', 'Pre', NULL)";
            insert.ExecuteNonQuery();
        }

        var source = new SqliteFeedbackSource(store.DatabasePath);

        Assert.Equal(4, await PendingFeedback.CountAsync(source, 0, CancellationToken.None));
        Assert.Equal(2, await PendingFeedback.CountAsync(source, 2, CancellationToken.None));
        Assert.Equal(0, await PendingFeedback.CountAsync(source, 6, CancellationToken.None));
        Assert.Equal(6, await store.CountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task PostgreSQL_counts_class_rows_with_images_above_the_mark()
    {
        var connectionString = await server.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var store = new PostgresFeedbackStore(dataSource, TimeProvider.System);
        await AddCorrectionsAsync(store, 4);
        await using (var insert = dataSource.CreateCommand(
            "INSERT INTO feedback(ts, correct, predicted, img) VALUES (1, 'NotAssessable', 'Pre', '\\x01'::bytea), (1, 'Pro', 'Pre', NULL)"))
        {
            await insert.ExecuteNonQueryAsync();
        }

        var source = FeedbackSources.Open(connectionString, Path.Combine(_directory, "absent.db"));

        Assert.IsType<PostgresFeedbackSource>(source);
        Assert.Equal(4, await PendingFeedback.CountAsync(source, 0, CancellationToken.None));
        Assert.Equal(2, await PendingFeedback.CountAsync(source, 2, CancellationToken.None));
    }

    [Fact]
    public async Task A_store_nobody_has_written_yet_has_nothing_pending()
    {
        Assert.Equal(0, await PendingFeedback.CountAsync(new SqliteFeedbackSource(Path.Combine(_directory, "absent.db")), 0, CancellationToken.None));
        Assert.Equal(0, await PendingFeedback.CountAsync(new PostgresFeedbackSource(await server.CreateDatabaseAsync()), 0, CancellationToken.None));
    }

    [Fact]
    public void Training_reached_the_highest_mark_of_any_version_not_only_the_champions()
    {
        var registry = new LocalModelRegistry(Path.Combine(_directory, "registry"));

        Assert.Equal(0, PendingFeedback.TrainedUpTo(registry));
        Assert.Equal(7, PendingFeedback.TrainedUpTo([Card(3), Card(7), Card(5)]));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static ModelCard Card(long highWaterMark) => new()
    {
        RunId = $"run-{highWaterMark}",
        Metrics = EvaluationMetrics.FromPredictions([0, 1], [0, 1], meanLatencyMs: 1),
        TrainingDataHash = new string('a', 64),
        FeedbackHighWaterMark = highWaterMark,
    };

    private static async Task AddCorrectionsAsync(IFeedbackStore store, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await store.AddAsync(new FeedbackEntry(CellClass.Pre, CellClass.Benign, [1, 2, (byte)i], $"sha-{i}", 1), CancellationToken.None);
        }
    }
}
