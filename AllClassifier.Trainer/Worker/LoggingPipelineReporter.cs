using AllClassifier.Trainer.Pipeline;
using Microsoft.Extensions.Logging;

namespace AllClassifier.Trainer.Worker;

/// <summary>Reports pipeline progress to the log: a line per tenth of each long step.</summary>
public sealed class LoggingPipelineReporter(ILogger logger) : IPipelineReporter
{
    public void Info(string message) => logger.LogInformation("{Message}", message);

    public void Warning(string message) => logger.LogWarning("{Message}", message);

    public T WithProgress<T>(string description, int total, Func<IProgress<int>, T> work)
    {
        var progress = new TenthsProgress(
            total,
            (done, percent) => logger.LogInformation("{Description}: {Done}/{Total} ({Percent}%)", description, done, total, percent));
        var result = work(progress);
        progress.Finish();
        return result;
    }
}
