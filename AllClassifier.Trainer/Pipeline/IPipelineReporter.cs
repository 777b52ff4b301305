namespace AllClassifier.Trainer.Pipeline;

/// <summary>Where tasks report what they do: a console with progress bars, or a log.</summary>
public interface IPipelineReporter
{
    void Info(string message);

    void Warning(string message);

    /// <summary>Runs long work while showing its progress; the work reports how many of <paramref name="total"/> are done.</summary>
    T WithProgress<T>(string description, int total, Func<IProgress<int>, T> work);
}
