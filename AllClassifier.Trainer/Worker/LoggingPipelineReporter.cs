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
        var printedTenths = -1;
        var gate = new Lock();
        var result = work(new Progress(done =>
        {
            var tenths = total <= 0 ? 10 : Math.Min(10, done * 10 / total);
            lock (gate)
            {
                if (tenths > printedTenths)
                {
                    printedTenths = tenths;
                    logger.LogInformation("{Description}: {Done}/{Total}", description, done, total);
                }
            }
        }));
        logger.LogInformation("{Description}: done", description);
        return result;
    }

    private sealed class Progress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
