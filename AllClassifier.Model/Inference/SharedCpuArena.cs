using Microsoft.ML.OnnxRuntime;

namespace AllClassifier.Model.Inference;

/// <summary>
/// One ONNX Runtime CPU arena for every session of the process, growing by exactly what a run asks for
/// (<c>kSameAsRequested</c>) instead of doubling. Every inference reuses blocks a previous one freed, so a steady stream
/// of requests maps and zeroes no new pages; the arena holds the largest concurrent demand, which the inference gate
/// bounds (one activation plan per inference slot), and a swapped-in model reuses what the dropped one used.
/// </summary>
/// <remarks>
/// Weights stay out of it (<c>session.use_device_allocator_for_initializers</c>): a dropped model's weights go back to
/// the C library, not into the arena, where they would only be reused by a model of the same size.
/// </remarks>
public static class SharedCpuArena
{
    /// <summary>ONNX Runtime's <c>ArenaExtendStrategy::kSameAsRequested</c>.</summary>
    private const int SameAsRequested = 1;

    /// <summary>-1: ONNX Runtime's default for the setting.</summary>
    private const int RuntimeDefault = -1;

    private static readonly Lazy<bool> Registration = new(Register, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Registers the arena with the process's ONNX Runtime environment, once.</summary>
    public static bool EnsureRegistered() => Registration.Value;

    /// <summary>Makes a session use the shared arena for its activations and the plain allocator for its weights.</summary>
    public static void Use(SessionOptions options)
    {
        EnsureRegistered();
        options.AddSessionConfigEntry("session.use_env_allocators", "1");
        options.AddSessionConfigEntry("session.use_device_allocator_for_initializers", "1");
    }

    private static bool Register()
    {
        using var memory = new OrtMemoryInfo(OrtMemoryInfo.allocatorCPU, OrtAllocatorType.ArenaAllocator, 0, OrtMemType.Default);
        using var config = new OrtArenaCfg(0, SameAsRequested, RuntimeDefault, RuntimeDefault);
        try
        {
            OrtEnv.Instance().CreateAndRegisterAllocator(memory, config);
            return true;
        }
        catch (OnnxRuntimeException)
        {
            // The runtime allows one per device: another component registered it first, and sessions share that
            // one. Should there be none, a session asked to use it keeps its own arena.
            return true;
        }
    }
}
