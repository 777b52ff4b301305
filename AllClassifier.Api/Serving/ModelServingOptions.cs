using AllClassifier.Model.Settings;

namespace AllClassifier.Api.Serving;

/// <summary>How the champion model is found and served (section <c>ModelServing</c>; <c>MODEL_REGISTRY_DIR</c> sets the registry).</summary>
public sealed class ModelServingOptions
{
    public const string SectionName = "ModelServing";

    /// <summary>Root of the local model registry shared with the trainer.</summary>
    public string RegistryDirectory { get; set; } = SharedSettings.DefaultRegistryDirectory;

    /// <summary>How often the champion alias is checked for a new version.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Inferences run at once; one per core with one ONNX thread each avoids oversubscription.</summary>
    public int MaxConcurrentInferences { get; set; } = Environment.ProcessorCount;

    /// <summary>Requests that may wait for an inference slot; beyond that the answer is 503 with Retry-After.</summary>
    public int QueueLength { get; set; } = 64;

    /// <summary>ONNX Runtime threads per inference.</summary>
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>The Retry-After sent while no model is loaded.</summary>
    public int NoModelRetryAfterSeconds { get; set; } = 5;

    /// <summary>The Retry-After sent when the inference queue is full.</summary>
    public int BusyRetryAfterSeconds { get; set; } = 1;
}
