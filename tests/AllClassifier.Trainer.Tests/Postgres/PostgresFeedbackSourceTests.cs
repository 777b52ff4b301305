using AllClassifier.Model;
using AllClassifier.Feedback;
using AllClassifier.Model.Imaging;
using AllClassifier.Tests.Postgres;
using AllClassifier.Trainer.Dataset;
using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Retraining;
using Npgsql;

namespace AllClassifier.Trainer.Tests.Postgres;

/// <summary>The trainer's side of the PostgreSQL feedback store: rows, images, the sensor's count, preprocessing.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresFeedbackSourceTests(PostgresServer server) : IDisposable
{
    private readonly TempDirectory _root = new();

    [Fact]
    public async Task A_database_without_the_table_has_no_feedback()
    {
        var source = new PostgresFeedbackSource(await server.CreateDatabaseAsync());

        Assert.Empty((await source.ReadRowsAsync(0, CancellationToken.None)).Rows);
    }

    [Fact]
    public async Task Rows_are_listed_without_images_and_each_image_is_read_on_its_own()
    {
        var connectionString = await CreateFeedbackTableAsync();
        var images = Enumerable.Range(0, 3).Select(i => TestImages.Png(20 + i)).ToList();
        await InsertAsync(connectionString, "pre", images[0], "sha-0");
        await InsertAsync(connectionString, "Nonsense", images[1], null);
        await InsertAsync(connectionString, "Pro", null, null);
        await InsertAsync(connectionString, "Benign", images[2], null);
        await InsertAsync(connectionString, "not_assessable", images[0], null);
        await InsertAsync(connectionString, "NotAssessable", null, null);
        var source = FeedbackSources.Open(connectionString, _root.Combine("absent.db"));

        var batch = await source.ReadRowsAsync(0, CancellationToken.None);

        Assert.Equal([(1L, CellClass.Pre, "sha-0"), (4L, CellClass.Benign, null)], batch.Rows.Select(row => (row.Id, row.Label, row.Sha256)).ToList());
        // A not-assessable verdict is kept apart for the referral gate's test, unless it has no image to test on.
        Assert.Equal([5L], batch.NotAssessable);
        Assert.Equal(3, batch.Skipped.Count);
        Assert.Equal(6, batch.HighWaterMark);
        Assert.Equal(images[2], source.ReadImage(4));
        Assert.Equal(1, await PendingFeedback.CountAsync(source, 2, CancellationToken.None)); // row 3 has no image
    }

    [Fact]
    public async Task The_sensor_counts_new_rows_in_PostgreSQL()
    {
        var connectionString = await CreateFeedbackTableAsync();
        for (var i = 0; i < 3; i++)
        {
            await InsertAsync(connectionString, "Pre", TestImages.Png(30 + i), null);
        }

        var options = new SensorOptions
        {
            FeedbackDatabase = _root.Combine("absent.db"),
            FeedbackConnectionString = connectionString,
            Threshold = 2,
            Timeout = TimeSpan.Zero,
        };

        var result = await new FeedbackSensor(TimeProvider.System).WaitAsync(options, afterId: 1, onPoke: null, CancellationToken.None);

        Assert.True(result.Reached);
        Assert.Equal(2, result.NewRows);
    }

    [Fact]
    public async Task Preprocessing_adds_the_feedback_images_from_PostgreSQL()
    {
        var connectionString = await CreateFeedbackTableAsync();
        await InsertAsync(connectionString, "Pro", TestImages.Png(40), null);
        foreach (var (label, seed) in new[] { ("Benign", 41), ("Early", 42), ("Pre", 43), ("Pro", 44) })
        {
            var path = _root.Combine($"data/{label}/{seed}.png");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, TestImages.Png(seed));
        }

        var options = new PipelineOptions
        {
            DataDirectory = _root.Combine("data"),
            WorkDirectory = _root.Combine("work"),
            RegistryDirectory = _root.Combine("registry"),
            FeedbackDatabase = _root.Combine("absent.db"),
            FeedbackConnectionString = connectionString,
        };

        await new PreprocessImagesTask(new ImagePreprocessor()).ExecuteAsync(options, new RecordingReporter(), CancellationToken.None);

        var work = new WorkDirectory(options.WorkDirectory);
        Assert.Contains(("Pro", "feedback"), ManifestFile.Read(work.ProcessedIndex).Select(e => (e.Label, e.Source)));
        Assert.Equal(1, WorkDirectory.ReadJson<PreprocessReport>(work.PreprocessReport).FeedbackHighWaterMark);
    }

    public void Dispose() => _root.Dispose();

    private async Task<string> CreateFeedbackTableAsync()
    {
        var connectionString = await server.CreateDatabaseAsync();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand(FeedbackTable.PostgresCreateSql, connection);
        await create.ExecuteNonQueryAsync();
        return connectionString;
    }

    private static async Task InsertAsync(string connectionString, string correct, byte[]? image, string? sha256)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var insert = new NpgsqlCommand("INSERT INTO feedback(ts, correct, predicted, img, sha256) VALUES (1700000000.5, $1, 'Benign', $2, $3)", connection)
        {
            Parameters =
            {
                new() { Value = correct },
                new() { Value = (object?)image ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea },
                new() { Value = (object?)sha256 ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
            },
        };
        await insert.ExecuteNonQueryAsync();
    }
}
