namespace AllClassifier.Trainer.Pipeline;

/// <summary>The task ids of <c>all_classification_pipeline</c>, in order.</summary>
public static class PipelineTaskIds
{
    public const string PipelineId = "all_classification_pipeline";
    public const string WaitFeedback = "wait_feedback";
    public const string PreprocessImages = "preprocess_images";
    public const string PrepareData = "prepare_data";
    public const string TrainClassifier = "train_classifier";
    public const string TestClassifier = "test_classifier";
    public const string RegisterModel = "register_model";

    /// <summary>The tasks after the sensor, as <c>run</c> executes them.</summary>
    public static IReadOnlyList<string> Training { get; } = [PreprocessImages, PrepareData, TrainClassifier, TestClassifier, RegisterModel];

    public static IReadOnlyList<string> All { get; } = [WaitFeedback, .. Training];
}

/// <summary>One step of the pipeline; what it produces is written into the work directory.</summary>
public interface IPipelineTask
{
    string Id { get; }

    /// <summary>Runs the task and returns a one-line summary of what it did.</summary>
    Task<string> ExecuteAsync(PipelineOptions options, IPipelineReporter reporter, CancellationToken cancellationToken);
}
