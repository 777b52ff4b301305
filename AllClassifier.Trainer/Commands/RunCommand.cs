using System.Globalization;
using AllClassifier.Feedback;
using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Worker;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AllClassifier.Trainer.Commands;

/// <summary><c>run</c>: the whole pipeline without the sensor, then the timings, metrics and registered version.</summary>
public sealed class RunCommand(
    PipelineRunner runner, IAnsiConsole console, IOptions<WorkerOptions> shared, IOptions<FeedbackOptions> feedback) : AsyncCommand<PipelineSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, PipelineSettings settings, CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync(settings.ToOptions(shared.Value, feedback.Value), new ConsolePipelineReporter(console), cancellationToken);

        var timings = new Table().AddColumns("task", "seconds");
        foreach (var task in result.Tasks)
        {
            timings.AddRow(task.TaskId, task.Duration.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture));
        }

        timings.AddRow("[bold]total[/]", $"[bold]{result.Total.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)}[/]");
        console.Write(timings);

        var metrics = result.Test.Metrics;
        var perClass = new Table().AddColumns("class", "precision", "recall", "F1", "support");
        foreach (var c in metrics.PerClass)
        {
            perClass.AddRow(
                Markup.Escape(c.DisplayName),
                c.Precision.ToString("F3", CultureInfo.InvariantCulture),
                c.Recall.ToString("F3", CultureInfo.InvariantCulture),
                c.F1.ToString("F3", CultureInfo.InvariantCulture),
                c.Support.ToString(CultureInfo.InvariantCulture));
        }

        console.Write(perClass);
        console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"run {result.RunId}: accuracy {metrics.Accuracy:F4}, macro-F1 {metrics.MacroF1:F4}, {metrics.MeanLatencyMs:F1} ms/image on {metrics.TestCount} test images"));
        var registration = result.Registration;
        console.WriteLine($"registered version {registration.Version} ({(registration.Promoted ? "champion" : "challenger")}): {registration.Reason}");
        if (registration.Tracking is { } tracking)
        {
            console.WriteLine($"MLflow {tracking.TrackingUri}: run {tracking.RunId}, model '{tracking.ModelName}' version {tracking.Version}");
        }

        return 0;
    }
}
