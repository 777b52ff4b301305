using AllClassifier.Api.Tests.Durability;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Testing;

namespace AllClassifier.Api.Tests.Serving;

/// <summary>
/// The API gives ONNX Runtime one shared CPU arena that grows by exactly what a run asks for: once warm, predictions
/// reuse its blocks instead of mapping, zeroing and unmapping fresh activations every run, and a further burst holds
/// no more native memory than the first left. Real processes: page faults and the native heap are per process, and an
/// in-process host would share both with every other test.
/// </summary>
public sealed class OnnxMemoryArenaTests : IDisposable
{
    private const int ConcurrentPredictions = 32;
    private const double MiB = 1024 * 1024;

    private readonly string _root = Directory.CreateTempSubdirectory("allclassifier-ort-arena-").FullName;

    [Fact]
    public async Task With_the_shared_arena_a_warm_api_faults_far_fewer_pages_per_prediction_and_holds_no_more_after_another_burst()
    {
        var withArena = await MeasureAsync(arena: true);
        var withoutArena = await MeasureAsync(arena: false);

        // Without the arena each inference maps its activations anew: hundreds to thousands of faults per image.
        Assert.True(
            withArena.FaultsPerPrediction * 4 < withoutArena.FaultsPerPrediction,
            $"minor page faults per prediction once warm: {withArena.FaultsPerPrediction:F0} with the arena, {withoutArena.FaultsPerPrediction:F0} without");
        Assert.True(
            withArena.HeapGrowth < 8 * MiB,
            $"the native heap grew by {withArena.HeapGrowth / MiB:F1} MiB over a second burst with the arena");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private sealed record Measurement(double FaultsPerPrediction, double HeapGrowth);

    private async Task<Measurement> MeasureAsync(bool arena)
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

        // The first burst sizes the arena for as many inferences as run at once; the second must reuse it.
        await BurstAsync(api.Http, seedBase: 0);
        var heapBefore = await NativeHeapAsync(api.Http);
        var faultsBefore = MinorFaults(api.ProcessId);
        await BurstAsync(api.Http, seedBase: ConcurrentPredictions);
        var faultsAfter = MinorFaults(api.ProcessId);
        var heapAfter = await NativeHeapAsync(api.Http);
        return new Measurement((faultsAfter - faultsBefore) / (double)ConcurrentPredictions, heapAfter - heapBefore);
    }

    private static async Task BurstAsync(HttpClient http, int seedBase) =>
        await Task.WhenAll(Enumerable.Range(seedBase, ConcurrentPredictions).Select(seed => PredictAsync(http, seed)));

    private static async Task PredictAsync(HttpClient http, int seed) =>
        await ApiAssert.OkJsonAsync(await http.PostAsync("/predict", Forms.Image(TestImages.Jpeg(seed))));

    private static async Task<double> NativeHeapAsync(HttpClient http) =>
        PrometheusExposition.Parse(await http.GetStringAsync("/metrics")).Sum("allclassifier_native_heap_bytes");

    /// <summary>Field 10 of /proc/PID/stat (after the parenthesised command name, which may hold spaces).</summary>
    private static long MinorFaults(int processId)
    {
        var stat = File.ReadAllText($"/proc/{processId}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], System.Globalization.CultureInfo.InvariantCulture);
    }
}
