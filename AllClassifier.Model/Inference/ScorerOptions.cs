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
    /// ONNX Runtime's CPU arena for activations: the process-wide <see cref="SharedCpuArena"/>, which grows by exactly
    /// what a run asks for and reuses freed blocks, so steady inference maps no new pages. Off, each inference
    /// allocates its activations from the C library, whose large blocks are mapped, zeroed and unmapped every run
    /// (thousands of page faults per image).
    /// </summary>
    public bool MemoryArena { get; init; } = true;

    /// <summary>
    /// Runs the graph node by node without ONNX Runtime's fusions: an INT8 graph's DequantizeLinear → fp32 Conv →
    /// QuantizeLinear then computes its integer arithmetic exactly on any CPU, which is how a kernel form meant for
    /// another CPU family (the int8 first convolution on a CPU without VNNI) is checked. Slow; for tests and evaluation.
    /// </summary>
    public bool ReferenceKernels { get; init; }
}
