using System.Globalization;
using AllClassifier.Trainer.Pipeline;
using Spectre.Console;

namespace AllClassifier.Trainer.Commands;

/// <summary>
/// Reports to the terminal: live progress bars when it is interactive, otherwise (redirected output, CI) one plain
/// line per tenth of the work so logs stay readable.
/// </summary>
public sealed class ConsolePipelineReporter(IAnsiConsole console) : IPipelineReporter
{
    public void Info(string message) => console.WriteLine(message);

    public void Warning(string message) => console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(message)}");

    public T WithProgress<T>(string description, int total, Func<IProgress<int>, T> work)
    {
        if (console.Profile.Capabilities.Interactive && !Console.IsOutputRedirected)
        {
            return console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    var task = context.AddTask(Markup.Escape(description), maxValue: Math.Max(1, total));
                    var result = work(new Progress(done => task.Value = Math.Max(task.Value, done)));

                    // Work may finish early (training stops when validation stops improving).
                    task.Value = task.MaxValue;
                    return result;
                });
        }

        var plain = new TenthsProgress(
            total,
            (done, percent) => console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{description}: {done}/{total} ({percent}%)")));
        var result = work(plain);
        plain.Finish();
        return result;
    }

    private sealed class Progress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
