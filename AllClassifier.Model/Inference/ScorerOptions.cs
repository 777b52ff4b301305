namespace AllClassifier.Model.Inference;

/// <summary>ONNX Runtime settings for the classifier session.</summary>
public sealed record ScorerOptions
{
    /// <summary>
    /// Threads one inference may use. One thread per inference, with as many inferences in parallel as there
    /// are cores, gives the best throughput on small CPUs; more threads cut single-request latency instead.
    /// </summary>
    public int IntraOpThreads { get; init; } = 1;

    /// <summary>
    /// Spinning worker threads fight other busy threads on small machines, so spinning is off by default.
    /// </summary>
    public bool AllowSpinning { get; init; }
}
