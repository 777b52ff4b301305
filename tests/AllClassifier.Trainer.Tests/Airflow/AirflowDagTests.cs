using System.Text.Json;
using AllClassifier.Trainer.Pipeline;

namespace AllClassifier.Trainer.Tests.Airflow;

/// <summary>
/// The Airflow DAG checked without Airflow: <c>airflow/tests/inspect_dag.py</c> reads it with Python's <c>ast</c>
/// and runs it against stand-ins for the Airflow classes; every command it would run must be a command this
/// trainer accepts.
/// </summary>
public sealed class AirflowDagTests : IDisposable
{
    private readonly TempDirectory _root = new();

    [Fact]
    public void Dag_has_the_pipeline_id_tasks_and_chain_of_the_design()
    {
        var dag = Inspect();
        var statics = dag.GetProperty("static");

        Assert.Equal(["all_classification_pipeline"], statics.GetProperty("dag_ids").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(PipelineTaskIds.All, statics.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("task_id").GetString()));
        string[][] chain =
        [
            ["wait_feedback", "preprocess_images"],
            ["preprocess_images", "prepare_data"],
            ["prepare_data", "train_classifier"],
            ["train_classifier", "test_classifier"],
            ["test_classifier", "register_model"],
        ];
        Assert.Equal(chain, statics.GetProperty("edges").EnumerateArray().Select(e => e.EnumerateArray().Select(x => x.GetString()!).ToArray()));
        var executed = dag.GetProperty("executed").GetProperty("tasks").EnumerateArray().ToList();
        Assert.Equal(
            chain.Select(edge => $"{edge[0]}>>{edge[1]}"),
            executed.SelectMany(t => t.GetProperty("downstream").EnumerateArray().Select(d => $"{t.GetProperty("task_id").GetString()}>>{d.GetString()}")));
    }

    [Fact]
    public void Wait_feedback_is_a_rescheduling_python_sensor_poking_hourly_for_a_day()
    {
        var sensor = Inspect().GetProperty("static").GetProperty("tasks").EnumerateArray().First();

        Assert.Equal("wait_feedback", sensor.GetProperty("task_id").GetString());
        Assert.Equal("PythonSensor", sensor.GetProperty("operator").GetString());
        Assert.Equal(3600, sensor.GetProperty("poke_interval").GetInt32());
        Assert.Equal(86400, sensor.GetProperty("timeout").GetInt32());
        Assert.Equal("reschedule", sensor.GetProperty("mode").GetString());
        Assert.Equal("enough_new_feedback", sensor.GetProperty("python_callable").GetString());
    }

    [Fact]
    public void Every_bash_task_runs_its_own_trainer_task_with_options_the_trainer_accepts()
    {
        var tasks = Inspect().GetProperty("executed").GetProperty("tasks").EnumerateArray()
            .Where(t => t.GetProperty("operator").GetString() == "BashOperator")
            .ToList();

        Assert.Equal(PipelineTaskIds.Training, tasks.Select(t => t.GetProperty("task_id").GetString()));
        foreach (var task in tasks)
        {
            var command = task.GetProperty("bash_command").GetString()!;
            Assert.StartsWith($"{DagInspector.TrainerCommand} task {task.GetProperty("task_id").GetString()} ", command);
            var (exitCode, help) = DagInspector.Run("bash", ["-c", command + " --help"], new Dictionary<string, string>());
            Assert.True(exitCode == 0, $"{command} --help: {help}");
            Assert.Contains("USAGE", help);

            // --help does not validate options, so each option the DAG passes must be one the help lists.
            var options = command.Split(' ').Where(word => word.StartsWith("--", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(options);
            Assert.All(options, option => Assert.Matches($@"\s{option}\s", help));
            Assert.DoesNotMatch(@"\s--no-such-option\s", help);
        }
    }

    [Theory]
    [InlineData(0, 0, false)] // no feedback.db yet
    [InlineData(2, 0, false)]
    [InlineData(3, 0, true)]
    [InlineData(4, 2, false)] // only rows after the last trained version count
    [InlineData(5, 2, true)]
    public void The_sensor_counts_feedback_rows_added_since_the_last_trained_version(int rows, int highWaterMark, bool expected)
    {
        var feedbackDirectory = _root.Combine("feedback");
        Directory.CreateDirectory(feedbackDirectory);
        if (rows > 0)
        {
            var database = FeedbackDatabase.Create(Path.Combine(feedbackDirectory, "feedback.db"));
            for (var i = 0; i < rows; i++)
            {
                FeedbackDatabase.Insert(database, "Pre", [1, 2, 3]);
            }
        }

        if (highWaterMark > 0)
        {
            TrainedVersions.Register(_root.Combine("registry"), highWaterMark);
        }

        var sensor = Inspect("--poke").GetProperty("executed").GetProperty("tasks").EnumerateArray().First();

        Assert.Equal(expected, sensor.GetProperty("poke_result").GetBoolean());
    }

    [Fact]
    public void A_NotAssessable_verdict_is_a_correction_but_never_pending()
    {
        Directory.CreateDirectory(_root.Combine("feedback"));
        var database = FeedbackDatabase.Create(_root.Combine("feedback", "feedback.db"));
        FeedbackDatabase.Insert(database, "Pre", [1, 2, 3]);
        FeedbackDatabase.Insert(database, "Pro", [1, 2, 3]);
        FeedbackDatabase.Insert(database, "NotAssessable", [1, 2, 3]);

        var sensor = DagInspector.Task(Inspect("--poke"), "wait_feedback");

        Assert.False(sensor.GetProperty("poke_result").GetBoolean());
    }

    [Fact]
    public void An_unreadable_feedback_database_fails_the_sensor_instead_of_waiting_quietly()
    {
        Directory.CreateDirectory(_root.Combine("feedback"));
        File.WriteAllBytes(_root.Combine("feedback", "feedback.db"), [.. Enumerable.Repeat((byte)0x5A, 4096)]);

        var (exitCode, output) = DagInspector.Run(DagInspector.Python, DagInspector.Arguments("--poke"), DagEnvironment());

        Assert.NotEqual(0, exitCode);
        Assert.Contains("wait_feedback failed with exit code 1", output);
    }

    [Fact]
    public void A_feedback_database_without_the_table_has_no_feedback_yet()
    {
        Directory.CreateDirectory(_root.Combine("feedback"));
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_root.Combine("feedback", "feedback.db")}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE other(id INTEGER)";
            command.ExecuteNonQuery();
        }

        var sensor = DagInspector.Task(Inspect("--poke"), "wait_feedback");

        Assert.False(sensor.GetProperty("poke_result").GetBoolean());
    }

    [Fact]
    public void Without_a_feedback_connection_the_trainer_keeps_reading_SQLite()
    {
        var preprocess = DagInspector.Task(Inspect("--render"), "preprocess_images");

        Assert.True(preprocess.GetProperty("append_env").GetBoolean());
        Assert.Equal("", preprocess.GetProperty("env").GetProperty("ConnectionStrings__feedback").GetString());
        Assert.Contains($"--feedback-db {_root.Combine("feedback", "feedback.db")}", preprocess.GetProperty("bash_command").GetString());
    }

    public void Dispose() => _root.Dispose();

    private JsonElement Inspect(params string[] flags) => DagInspector.Inspect(DagEnvironment(), flags);

    private Dictionary<string, string> DagEnvironment() =>
        new()
        {
            ["ALLCLASSIFIER_TRAINER"] = DagInspector.TrainerCommand,
            ["DATA_DIR"] = _root.Combine("data"),
            ["ALLCLASSIFIER_WORKDIR"] = _root.Combine("work"),
            ["MODEL_REGISTRY_DIR"] = _root.Combine("registry"),
            ["FEEDBACK_DIR"] = _root.Combine("feedback"),
            ["FB_THRESH"] = "3",
        };
}
