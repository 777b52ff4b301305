using System.Net;
using AllClassifier.Api.Predict;
using AllClassifier.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AllClassifier.Api.Tests;

/// <summary>One inference at a time and one waiting: a burst beyond that is turned away at once.</summary>
public sealed class SingleSlotApiFactory() : ApiFactory(settings: new Dictionary<string, string?>
{
    ["ModelServing:MaxConcurrentInferences"] = "1",
    ["ModelServing:QueueLength"] = "1",
}), IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        TestModels.Register(RegistryDirectory, TestModels.Model);
        await WaitForModelVersionAsync(1);
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}

public sealed class BackpressureTests(SingleSlotApiFactory api) : IClassFixture<SingleSlotApiFactory>
{
    private const int Burst = 16;

    [Fact]
    public async Task A_burst_beyond_the_queue_gets_503_with_retry_after_and_the_rest_succeed()
    {
        var image = TestImages.Jpeg(seed: 111);
        using var client = api.CreateClient();

        // The test holds the only inference slot, so however fast the model is, the burst meets a busy
        // server: one request takes the single queue place and every other one is turned away.
        var gate = api.Services.GetRequiredService<InferenceGate>();
        var slot = await gate.EnterAsync(CancellationToken.None);
        Assert.True(slot.IsAcquired);

        var pending = Enumerable.Range(0, Burst).Select(_ => client.PostAsync("/predict", Forms.Image(image))).ToList();
        var answered = new List<HttpResponseMessage>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (answered.Count < Burst - 1)
        {
            var done = await Task.WhenAny(pending).WaitAsync(deadline.Token);
            pending.Remove(done);
            answered.Add(await done);
        }

        var queued = Assert.Single(pending);
        Assert.False(queued.IsCompleted);
        foreach (var response in answered)
        {
            await ApiAssert.ErrorAsync(response, 503, "busy", "busy");
            Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        }

        // Freeing the slot lets the queued request through.
        slot.Dispose();
        await ApiAssert.OkJsonAsync(await queued.WaitAsync(deadline.Token));

        // Once the burst is over the API answers normally again.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/predict", Forms.Image(image))).StatusCode);
    }
}
