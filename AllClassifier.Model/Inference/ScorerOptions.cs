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

    /// <summary>
    /// ONNX Runtime's CPU arena: it keeps every block an inference ever used for the next one and never gives memory
    /// back. Off, each inference allocates from the C library, whose large blocks go back to the system when freed.
    /// </summary>
    public bool MemoryArena { get; init; } = true;
}
