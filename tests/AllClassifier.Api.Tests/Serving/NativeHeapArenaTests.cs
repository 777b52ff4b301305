using AllClassifier.Api.Tests.Durability;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Testing;

namespace AllClassifier.Api.Tests.Serving;

/// <summary>
/// The API bounds glibc's malloc arenas before it builds its host, so the threads that concurrent requests start share
/// the arenas that exist instead of each creating one (glibc's own limit is eight per core). Only a fresh process can
/// show it: arenas are per process, and an in-process host would find the ones other tests' threads created. Runs where
/// the API is deployed: Linux with glibc (elsewhere the gauges are absent).
/// </summary>
public sealed class NativeHeapArenaTests : IDisposable
{
    private const int ConcurrentPredictions = 32;

    /// <summary>
    /// glibc fixes its own limit once it has made nine arenas and a thread asks for a tenth; a bound set earlier holds
    /// the count where the runtime's start-up threads left it.
    /// </summary>
    private const int ArenasBeforeGlibcFixesItsLimit = 9;

    private readonly string _root = Directory.CreateTempSubdirectory("allclassifier-arenas-").FullName;

    [Fact]
    public async Task Concurrent_predictions_create_no_arena_beyond_those_present_when_the_bound_was_set()
    {
        var registry = Path.Combine(_root, "registry");
        TestModels.Register(registry, TestModels.Model);
        var settings = new Dictionary<string, string>
        {
            ["MODEL_REGISTRY_DIR"] = registry,
            ["FEEDBACK_DIR"] = Path.Combine(_root, "feedback"),
            ["RateLimiting__Enabled"] = "false",
            ["ModelServing__NativeHeapArenas"] = "2",
        };
        await using var api = await ApiProcess.StartAsync(settings, CancellationToken.None);
        await Poll.UntilAsync(async () => await api.Http.GetStringAsync("/health") == "Healthy", "the champion to be served");

        await PredictAsync(api.Http, seed: 0);
        var settled = await ArenasAsync(api.Http);
        await Task.WhenAll(Enumerable.Range(1, ConcurrentPredictions).Select(seed => PredictAsync(api.Http, seed)));
        var underLoad = await ArenasAsync(api.Http);

        Assert.InRange(settled, 1, ArenasBeforeGlibcFixesItsLimit);
        Assert.Equal(settled, underLoad);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static async Task PredictAsync(HttpClient http, int seed) =>
        await ApiAssert.OkJsonAsync(await http.PostAsync("/predict", Forms.Image(TestImages.Jpeg(seed))));

    private static async Task<int> ArenasAsync(HttpClient http)
    {
        var scrape = PrometheusExposition.Parse(await http.GetStringAsync("/metrics"));
        Assert.Equal("gauge", scrape.Types["allclassifier_native_heap_arenas"]);
        Assert.True(scrape.Sum("allclassifier_native_heap_bytes") > 0, "allclassifier_native_heap_bytes reports nothing");
        return (int)scrape.Sum("allclassifier_native_heap_arenas");
    }
}
