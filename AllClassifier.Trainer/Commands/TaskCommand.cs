using System.ComponentModel;
using AllClassifier.Feedback;
using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Retraining;
using AllClassifier.Trainer.Worker;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AllClassifier.Trainer.Commands;

public sealed class TaskSettings : PipelineSettings
{
    [CommandArgument(0, "<task_id>")]
    [Description("wait_feedback, preprocess_images, prepare_data, train_classifier, test_classifier or register_model.")]
    public string TaskId { get; init; } = "";

    [CommandOption("--threshold <N>")]
    [Description("wait_feedback: corrections pending since the newest training data needed. Default: Feedback:Threshold ($FB_THRESH), else 100.")]
    public int? Threshold { get; init; }

    [CommandOption("--poke-interval <SECONDS>")]
    [Description("wait_feedback: seconds between checks. Default: Trainer:PokeIntervalSeconds ($FB_POKE_INTERVAL_SECONDS), else 3600.")]
    public int? PokeIntervalSeconds { get; init; }

    [CommandOption("--timeout <SECONDS>")]
    [Description("wait_feedback: seconds before giving up (exit code 75, \"not yet\"; errors exit 1); 0 checks once. Default: Trainer:TimeoutSeconds ($FB_TIMEOUT_SECONDS), else 86400.")]
    public int? TimeoutSeconds { get; init; }

    public override ValidationResult Validate()
    {
        if (!PipelineTaskIds.All.Contains(TaskId))
        {
            return ValidationResult.Error($"Unknown task '{TaskId}'; the tasks are {string.Join(", ", PipelineTaskIds.All)}.");
        }

        return PokeIntervalSeconds < 1 || TimeoutSeconds < 0
            ? ValidationResult.Error("--poke-interval must be at least 1 and --timeout not negative.")
            : base.Validate();
    }

    protected override SensorOptions SensorOptions(string feedbackDatabase, WorkerOptions shared, FeedbackOptions feedback) => new()
    {
        FeedbackDatabase = feedbackDatabase,
        Threshold = Threshold ?? feedback.Threshold,
        PokeInterval = TimeSpan.FromSeconds(PokeIntervalSeconds ?? shared.PokeIntervalSeconds),
        Timeout = TimeSpan.FromSeconds(TimeoutSeconds ?? shared.TimeoutSeconds),
    };
}

/// <summary><c>task &lt;task_id&gt;</c>: one pipeline task, as an external scheduler runs them (state passes through the work directory).</summary>
public sealed class TaskCommand(
    PipelineRunner runner, IAnsiConsole console, IOptions<WorkerOptions> shared, IOptions<FeedbackOptions> feedback) : AsyncCommand<TaskSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, TaskSettings settings, CancellationToken cancellationToken)
    {
        var timing = await runner.RunTaskAsync(settings.TaskId, settings.ToOptions(shared.Value, feedback.Value), new ConsolePipelineReporter(console), cancellationToken);
        console.WriteLine($"{timing.TaskId}: {timing.Summary} ({timing.Duration.TotalSeconds:F1} s)");
        return 0;
    }
}
