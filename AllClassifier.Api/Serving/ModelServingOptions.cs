using AllClassifier.Model.Settings;

namespace AllClassifier.Api.Serving;

/// <summary>How the champion model is found and served (section <c>ModelServing</c>; <c>MODEL_REGISTRY_DIR</c> is an alias of <c>ModelServing:RegistryDirectory</c>).</summary>
public sealed class ModelServingOptions
{
    public const string SectionName = "ModelServing";

    /// <summary>Root of the local model registry shared with the trainer.</summary>
    public string RegistryDirectory { get; set; } = SharedSettings.DefaultRegistryDirectory;

    /// <summary>How often the champion alias is checked for a new version.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Cores inference may use: as many one-thread inferences at once, or one inference with a thread on each when
    /// <see cref="WholeMachineWhenIdle"/> and nothing else runs or waits. Never more ONNX threads than this.
    /// </summary>
    public int MaxConcurrentInferences { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// A request that finds no inference running or queued gets every core (its latency roughly halves on two
    /// cores); under load each inference keeps one core, which gives the most throughput.
    /// </summary>
    public bool WholeMachineWhenIdle { get; set; } = true;

    /// <summary>Whether a second, whole-machine session is worth loading.</summary>
    public bool WholeMachineInferences => WholeMachineWhenIdle && MaxConcurrentInferences > IntraOpThreads;

    /// <summary>Requests that may wait for an inference slot; beyond that the answer is 503 with Retry-After.</summary>
    public int QueueLength { get; set; } = 64;

    /// <summary>ONNX Runtime threads per inference under load.</summary>
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>
    /// ONNX Runtime's CPU arena for activations (see <see cref="Model.Inference.SharedCpuArena"/>): one per process,
    /// growing by exactly what a run asks for, shared by every session and model version, holding what the inference
    /// slots use at most at once (a few megabytes each) and reusing it, so steady inference maps and zeroes no pages.
    /// Off, every inference maps, zeroes and unmaps its activations (about 2,000 page faults per image).
    /// </summary>
    public bool OnnxMemoryArena { get; set; } = true;

    /// <summary>
    /// Inferences each session runs after its probe before the model may serve: ONNX Runtime packs kernels and sizes its
    /// arena on the first runs, and the runtime compiles the image path's code, so a new replica or a swapped-in model
    /// answers its first request at full speed. 0 skips the warm-up.
    /// </summary>
    public int WarmupInferences { get; set; } = 8;

    /// <summary>
    /// The first convolution's kernel form for an INT8 model that carries both: <c>auto</c> (int8 where the CPU has
    /// VNNI or AMX, else uint8; see <see cref="Model.Inference.FirstConvolutionForm"/>), <c>uint8</c> or <c>int8</c>.
    /// </summary>
    public string FirstConvolutionForm { get; set; } = AutoForm;

    public const string AutoForm = "auto";

    /// <summary>
    /// glibc malloc arenas the process may create, the main one included; 0 leaves glibc's limit of eight per core.
    /// Read from the environment and the command line only, before the host is built (see
    /// <see cref="ModelServingExtensions.BoundNativeHeapArenas"/>); arenas the runtime made before that stay, so a
    /// bound below their number means "no new arenas". One per core, because at most one inference runs per core:
    /// the threads that allocate most rarely wait on each other's arena, while the dozens of others share arenas instead
    /// of each keeping the pages its freed blocks came from. At least 2, so a one-core machine keeps a second arena.
    /// </summary>
    public int NativeHeapArenas { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>The Retry-After sent while no model is loaded.</summary>
    public int NoModelRetryAfterSeconds { get; set; } = 5;

    /// <summary>
    /// How long an admin's promotion waits for the registry's lock before answering 503: a trainer holds it while it
    /// re-measures the champion, which can take minutes.
    /// </summary>
    public TimeSpan RegistryLockWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The Retry-After sent when the registry is locked.</summary>
    public int RegistryBusyRetryAfterSeconds { get; set; } = 10;

    /// <summary>The Retry-After sent when the inference queue is full.</summary>
    public int BusyRetryAfterSeconds { get; set; } = 1;
}
