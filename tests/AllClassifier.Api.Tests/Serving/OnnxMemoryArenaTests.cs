using AllClassifier.Api.Tests.Durability;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Testing;

namespace AllClassifier.Api.Tests.Serving;

/// <summary>
/// ONNX Runtime's CPU arena keeps the largest concurrent demand a model ever saw; the API turns it off so that memory
/// an inference used goes back to the C library (and large blocks to the system). Real processes: an in-process host
/// shares its native heap with every other test.
/// </summary>
public sealed class OnnxMemoryArenaTests : IDisposable
{
    private const int ConcurrentPredictions = 32;
    private const double MiB = 1024 * 1024;

    private readonly string _root = Directory.CreateTempSubdirectory("allclassifier-ort-arena-").FullName;

    [Fact]
    public async Task Without_the_arena_a_burst_of_predictions_leaves_less_native_memory_held_than_with_it()
    {
        var withArena = await HeapAfterBurstAsync(arena: true);
        var withoutArena = await HeapAfterBurstAsync(arena: false);

        Assert.True(
            withoutArena < withArena - (8 * MiB),
            $"native heap after the burst: {withoutArena / MiB:F0} MiB without the arena, {withArena / MiB:F0} MiB with it");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private async Task<double> HeapAfterBurstAsync(bool arena)
    {
        var root = Path.Combine(_root, arena ? "arena" : "no-arena");
        var registry = Path.Combine(root, "registry");
        TestModels.Register(registry, TestModels.Model);
        var settings = new Dictionary<string, string>
        {
            ["MODEL_REGISTRY_DIR"] = registry,
            ["FEEDBACK_DIR"] = Path.Combine(root, "feedback"),
            ["RateLimiting__Enabled"] = "false",
            ["ModelServing__OnnxMemoryArena"] = arena ? "true" : "false",
        };
        await using var api = await ApiProcess.StartAsync(settings, CancellationToken.None);
        await Poll.UntilAsync(async () => await api.Http.GetStringAsync("/health") == "Healthy", "the champion to be served");

        await Task.WhenAll(Enumerable.Range(1, ConcurrentPredictions).Select(seed => PredictAsync(api.Http, seed)));
        var scrape = PrometheusExposition.Parse(await api.Http.GetStringAsync("/metrics"));
        return scrape.Sum("allclassifier_native_heap_bytes");
    }

    private static async Task PredictAsync(HttpClient http, int seed) =>
        await ApiAssert.OkJsonAsync(await http.PostAsync("/predict", Forms.Image(TestImages.Jpeg(seed))));
}
