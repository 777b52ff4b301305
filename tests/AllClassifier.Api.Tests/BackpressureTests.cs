using System.Net;
using AllClassifier.Api.Tests.Infrastructure;

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
    [Fact]
    public async Task A_burst_beyond_the_queue_gets_503_with_retry_after_and_the_rest_succeed()
    {
        var image = TestImages.Jpeg(seed: 111);

        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            using var client = api.CreateClient();
            return await client.PostAsync("/predict", Forms.Image(image));
        }));

        var busy = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.NotEmpty(busy);
        Assert.True(responses.Count(r => r.StatusCode == HttpStatusCode.OK) >= 2);
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable }));
        foreach (var response in busy)
        {
            await ApiAssert.ErrorAsync(response, 503, "busy");
            Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        }

        // Once the burst is over the API answers normally again.
        using var after = api.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await after.PostAsync("/predict", Forms.Image(image))).StatusCode);
    }
}
