using System.Diagnostics;
using System.Text.Json;

namespace AllClassifier.Trainer.Tests.Airflow;

/// <summary>
/// Runs <c>airflow/tests/inspect_dag.py</c> on the repository's DAG: its static facts, and what it does when executed
/// against the inspector's stand-ins for Airflow in a given environment.
/// </summary>
public static class DagInspector
{
    /// <summary>
    /// Debian's interpreter where it is there: apt's <c>python3-psycopg2</c>, which the DAG's PostgreSQL count needs,
    /// installs for it and not for other Pythons on <c>PATH</c>.
    /// </summary>
    public static readonly string Python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    public static readonly string RepositoryRoot = FindRepositoryRoot();

    /// <summary>The trainer the DAG runs (<c>ALLCLASSIFIER_TRAINER</c>): this build's own.</summary>
    public static readonly string TrainerCommand = $"dotnet {TrainerAssembly()}";

    private static readonly string DagFile = Path.Combine(RepositoryRoot, "airflow", "dags", "all_classification_pipeline.py");
    private static readonly string Inspector = Path.Combine(RepositoryRoot, "airflow", "tests", "inspect_dag.py");

    /// <param name="flags"><c>--poke</c> calls the sensor, <c>--render</c> renders the tasks' templated environments.</param>
    public static JsonElement Inspect(IReadOnlyDictionary<string, string> environment, params string[] flags)
    {
        var (exitCode, output) = Run(Python, Arguments(flags), environment);
        Assert.True(exitCode == 0, output);
        return JsonDocument.Parse(output[..(output.LastIndexOf('}') + 1)][output.IndexOf("{\n", StringComparison.Ordinal)..]).RootElement;
    }

    /// <summary>The inspector's command line for the repository's DAG.</summary>
    public static string[] Arguments(params string[] flags) => [Inspector, DagFile, .. flags];

    /// <summary>The executed task <paramref name="taskId"/>.</summary>
    public static JsonElement Task(JsonElement dag, string taskId) =>
        dag.GetProperty("executed").GetProperty("tasks").EnumerateArray().Single(t => t.GetProperty("task_id").GetString() == taskId);

    public static (int ExitCode, string Output) Run(string program, string[] arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host's own environment may name a feedback database; only what the test sets counts.
        start.Environment.Remove("ConnectionStrings__feedback");
        start.Environment.Remove("AIRFLOW_CONN_FEEDBACK");
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in 60 s.");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>
    /// The trainer's own build output (built as this project's reference, same configuration): its deps.json
    /// resolves the trainer's packages, which the copy beside the tests (an ASP.NET Core framework app) lacks.
    /// </summary>
    private static string TrainerAssembly()
    {
        var output = Path.GetRelativePath(Path.Combine(RepositoryRoot, "tests", "AllClassifier.Trainer.Tests"), AppContext.BaseDirectory);
        var path = Path.Combine(RepositoryRoot, "AllClassifier.Trainer", output, "AllClassifier.Trainer.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("The trainer's build output was not found.", path);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "airflow", "dags", "all_classification_pipeline.py")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("The repository root (with airflow/dags) was not found above the test output.");
    }
}
