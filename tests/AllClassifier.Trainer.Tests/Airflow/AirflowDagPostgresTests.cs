using AllClassifier.Feedback;
using AllClassifier.Tests.Postgres;
using Npgsql;

namespace AllClassifier.Trainer.Tests.Airflow;

/// <summary>
/// The DAG's feedback count against a real PostgreSQL server, named either by <c>ConnectionStrings__feedback</c> (what
/// the .NET services read) or by the Airflow connection <c>feedback</c>; psycopg2 is Debian's
/// <c>python3-psycopg2</c>. A SQLite file with more rows than the threshold sits in <c>FEEDBACK_DIR</c> throughout,
/// so a count taken there instead would show.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AirflowDagPostgresTests(PostgresServer server) : IDisposable
{
    private const int Threshold = 3;

    private readonly TempDirectory _root = new();

    public enum ConnectionKind
    {
        NpgsqlConnectionString,
        NpgsqlConnectionStringWithAliases,
        AirflowConnection,
    }

    [Theory]
    [InlineData(ConnectionKind.NpgsqlConnectionString, 3, 0, true)]
    [InlineData(ConnectionKind.NpgsqlConnectionString, 4, 2, false)] // only rows after the last trained version count
    [InlineData(ConnectionKind.NpgsqlConnectionStringWithAliases, 5, 2, true)]
    [InlineData(ConnectionKind.AirflowConnection, 3, 0, true)]
    [InlineData(ConnectionKind.AirflowConnection, 4, 2, false)]
    public async Task The_sensor_counts_new_rows_in_PostgreSQL(ConnectionKind kind, int rows, int highWaterMark, bool expected)
    {
        var connectionString = await CreateFeedbackTableAsync(rows);
        WriteHighWaterMark(highWaterMark);

        var sensor = DagInspector.Task(DagInspector.Inspect(DagEnvironment(kind, connectionString), "--poke"), "wait_feedback");

        Assert.Equal(expected, sensor.GetProperty("poke_result").GetBoolean());
    }

    [Theory]
    [InlineData(ConnectionKind.NpgsqlConnectionString)]
    [InlineData(ConnectionKind.AirflowConnection)]
    public async Task A_database_the_API_has_not_created_the_table_in_has_no_feedback_yet(ConnectionKind kind)
    {
        var connectionString = await server.CreateDatabaseAsync();

        var sensor = DagInspector.Task(DagInspector.Inspect(DagEnvironment(kind, connectionString), "--poke"), "wait_feedback");

        Assert.False(sensor.GetProperty("poke_result").GetBoolean());
    }

    [Fact]
    public async Task An_Airflow_connection_reaches_the_trainer_as_its_connection_string()
    {
        var connectionString = await CreateFeedbackTableAsync(rows: 2);
        const string password = "p;a\"s s='";
        var environment = DagEnvironment(ConnectionKind.AirflowConnection, connectionString, password);

        var preprocess = DagInspector.Task(DagInspector.Inspect(environment, "--render"), "preprocess_images");

        Assert.True(preprocess.GetProperty("append_env").GetBoolean());
        var rendered = preprocess.GetProperty("env").GetProperty("ConnectionStrings__feedback").GetString()!;
        Assert.Equal(password, new NpgsqlConnectionStringBuilder(rendered).Password);
        Assert.Equal(2, (await new PostgresFeedbackSource(rendered).ReadRowsAsync(0, CancellationToken.None)).Rows.Count);
    }

    [Fact]
    public async Task The_connection_string_comes_before_an_Airflow_connection()
    {
        var connectionString = await CreateFeedbackTableAsync(rows: 1);
        var environment = DagEnvironment(ConnectionKind.AirflowConnection, connectionString);
        environment["ConnectionStrings__feedback"] = connectionString;

        var preprocess = DagInspector.Task(DagInspector.Inspect(environment, "--render"), "preprocess_images");

        Assert.Equal(connectionString, preprocess.GetProperty("env").GetProperty("ConnectionStrings__feedback").GetString());
    }

    public void Dispose() => _root.Dispose();

    private Dictionary<string, string> DagEnvironment(ConnectionKind kind, string connectionString, string? password = null)
    {
        Directory.CreateDirectory(_root.Combine("feedback"));
        var decoy = FeedbackDatabase.Create(_root.Combine("feedback", FeedbackTable.FileName));
        for (var i = 0; i < 3 * Threshold; i++)
        {
            FeedbackDatabase.Insert(decoy, "Pre", [1, 2, 3]);
        }

        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var environment = new Dictionary<string, string>
        {
            ["ALLCLASSIFIER_TRAINER"] = DagInspector.TrainerCommand,
            ["MODEL_REGISTRY_DIR"] = _root.Combine("registry"),
            ["FEEDBACK_DIR"] = _root.Combine("feedback"),
            ["FB_THRESH"] = Threshold.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        switch (kind)
        {
            case ConnectionKind.NpgsqlConnectionString:
                environment["ConnectionStrings__feedback"] = connectionString;
                break;
            case ConnectionKind.NpgsqlConnectionStringWithAliases:
                environment["ConnectionStrings__feedback"] =
                    $"Server = {builder.Host}; PORT={builder.Port};User Id=\"{builder.Username}\";DB='{builder.Database}';SSL Mode=Disable;Pooling=false";
                break;
            case ConnectionKind.AirflowConnection:
                var credentials = password is null ? builder.Username : $"{builder.Username}:{Uri.EscapeDataString(password)}";
                environment["AIRFLOW_CONN_FEEDBACK"] = $"postgresql://{credentials}@{builder.Host}:{builder.Port}/{builder.Database}?sslmode=disable";
                break;
        }

        return environment;
    }

    private void WriteHighWaterMark(int highWaterMark)
    {
        if (highWaterMark > 0)
        {
            TrainedVersions.Register(_root.Combine("registry"), highWaterMark);
        }
    }

    private async Task<string> CreateFeedbackTableAsync(int rows)
    {
        var connectionString = await server.CreateDatabaseAsync();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand(FeedbackTable.PostgresCreateSql, connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        for (var i = 0; i < rows; i++)
        {
            await using var insert = new NpgsqlCommand("INSERT INTO feedback(ts, correct, predicted, img) VALUES (1700000000.5, 'Pre', 'Benign', '\\x010203'::bytea)", connection);
            await insert.ExecuteNonQueryAsync();
        }

        return connectionString;
    }
}
