using System.Collections.Concurrent;
using System.Net;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Training.Heads;
using Microsoft.Extensions.Logging;

namespace AllClassifier.Api.Tests;

/// <summary>An API that starts with an empty registry; version 1 appears after start, later versions replace it.</summary>
public sealed class SwapApiFactory : ApiFactory, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        // Start the host first, so the first champion arrives while it is already running.
        CreateClient();
        TestModels.Register(RegistryDirectory, TestModels.Model);
        await WaitForModelVersionAsync(1);
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}

public sealed class HotSwapTests(SwapApiFactory api) : IClassFixture<SwapApiFactory>
{
    [Fact]
    public void The_first_champion_registered_after_start_is_loaded()
    {
        Assert.Contains(api.Logs.GetSnapshot(), log => log.Message == "Serving model version 1 (previously none)");
    }

    [Fact]
    public async Task A_new_champion_is_swapped_in_while_requests_are_in_flight_without_a_failure()
    {
        var client = api.CreateClient();
        var current = (await ApiAssert.OkJsonAsync(await client.GetAsync("/model"))).GetProperty("version").GetInt32();
        var nextModel = TestModels.Compose(TestModels.RandomHead(seed: 1234));
        var image = TestImages.Jpeg(seed: 91);
        var failures = new ConcurrentQueue<string>();
        var versionsByWorker = Enumerable.Range(0, 3).Select(_ => new List<int>()).ToArray();
        using var stop = new CancellationTokenSource();

        async Task Worker(List<int> versions)
        {
            using var workerClient = api.CreateClient();
            while (!stop.IsCancellationRequested)
            {
                var response = await workerClient.PostAsync("/predict", Forms.Image(image));
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Enqueue($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                    continue;
                }

                versions.Add((await ApiAssert.OkJsonAsync(response)).GetProperty("model_version").GetInt32());
            }
        }

        var workers = versionsByWorker.Select(Worker).ToList();
        await WaitUntil(() => versionsByWorker.All(v => v.Count > 0), "every worker got an answer from the old model");
        var registered = TestModels.Register(api.RegistryDirectory, nextModel);
        await WaitUntil(() => versionsByWorker.All(v => v.Contains(registered.Version)), "every worker got an answer from the new model");
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.Empty(failures);
        Assert.Equal(current + 1, registered.Version);
        foreach (var versions in versionsByWorker)
        {
            Assert.Equal(current, versions[0]);
            // Once a worker saw the new version it never saw the old one again: the swap is atomic.
            Assert.All(versions.SkipWhile(v => v == current), v => Assert.Equal(registered.Version, v));
        }

        Assert.Contains(api.Logs.GetSnapshot(), log => log.Message == $"Serving model version {registered.Version} (previously {current})");
    }

    [Fact]
    public async Task A_corrupt_or_invalid_champion_is_refused_and_the_old_model_keeps_serving()
    {
        var client = api.CreateClient();
        var current = (await ApiAssert.OkJsonAsync(await client.GetAsync("/model"))).GetProperty("version").GetInt32();

        // Bytes that are no ONNX model at all, then a real model whose head gives NaN probabilities.
        var corrupt = TestModels.Register(api.RegistryDirectory, "definitely not an onnx protobuf"u8.ToArray());
        await WaitForLogAsync($"Refused model version {corrupt.Version}; still serving {current}");
        var head = TestModels.RandomHead(seed: 5);
        var nanHead = new ClassifierHead(HeadKind.Softmax, head.FeatureMean, head.FeatureScale,
            [new DenseLayer(512, 4, head.Layers[0].Weights, [float.NaN, 0, 0, 0])]);
        var invalid = TestModels.Register(api.RegistryDirectory, TestModels.Compose(nanHead));
        await WaitForLogAsync($"Refused model version {invalid.Version}; still serving {current}");

        var prediction = await ApiAssert.OkJsonAsync(await client.PostAsync("/predict", Forms.Image(TestImages.Jpeg(seed: 92))));
        Assert.Equal(current, prediction.GetProperty("model_version").GetInt32());
        Assert.Equal(current, (await ApiAssert.OkJsonAsync(await client.GetAsync("/model"))).GetProperty("version").GetInt32());
        Assert.Equal("Degraded", await client.GetStringAsync("/health"));
        var refusals = api.Logs.GetSnapshot().Where(log => log.Message.StartsWith($"Refused model version {invalid.Version};", StringComparison.Ordinal)).ToList();
        var refusal = Assert.Single(refusals);
        Assert.Equal(LogLevel.Error, refusal.Level);
        Assert.Contains("probe inference", refusal.Exception?.Message);
    }

    private async Task WaitForLogAsync(string message) =>
        await WaitUntil(() => api.Logs.GetSnapshot().Any(log => log.Message == message), message);

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(20);
        }
    }
}
