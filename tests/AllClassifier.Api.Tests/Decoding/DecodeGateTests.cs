using System.Net;
using AllClassifier.Api.Decoding;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Model.Imaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Tests.Decoding;

/// <summary>A decode budget of one megapixel and no queue: holding it shuts both decoding endpoints.</summary>
public sealed class OneMegapixelApiFactory() : ApiFactory(settings: new Dictionary<string, string?>
{
    ["Decoding:MaxPixels"] = "1000000",
    ["Decoding:MaxDecodingMegapixels"] = "1",
    ["Decoding:MaxQueuedMegapixels"] = "0",
    ["Decoding:BusyRetryAfterSeconds"] = "3",
}), IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        TestModels.Register(RegistryDirectory, TestModels.Model);
        await WaitForModelVersionAsync(1);
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}

public sealed class DecodeGateTests(OneMegapixelApiFactory api) : IClassFixture<OneMegapixelApiFactory>
{
    private static readonly ImageHeader TwentyFourMegapixels = new("PNG", "image/png", 6000, 4000);

    [Fact]
    public async Task Images_take_their_megapixels_from_the_budget_and_wait_in_order_until_the_queue_is_full()
    {
        using var gate = new DecodeGate(Options.Create(new DecodingOptions { MaxDecodingMegapixels = 48, MaxQueuedMegapixels = 24 }));

        using var first = await gate.EnterAsync(TwentyFourMegapixels, CancellationToken.None);
        using var second = await gate.EnterAsync(TwentyFourMegapixels, CancellationToken.None);
        var third = gate.EnterAsync(TwentyFourMegapixels, CancellationToken.None);
        using var fourth = await gate.EnterAsync(TwentyFourMegapixels, CancellationToken.None);

        Assert.True(first.IsAcquired && second.IsAcquired);
        Assert.False(third.IsCompleted);
        Assert.False(fourth.IsAcquired);
        first.Dispose();
        using var admitted = await third;
        Assert.True(admitted.IsAcquired);
    }

    [Theory]
    [InlineData("/predict")]
    [InlineData("/feedback")]
    public async Task A_full_decode_budget_answers_503_with_retry_after_and_stores_nothing(string path)
    {
        var client = api.CreateClient();
        var before = await ApiAssert.FeedbackCountAsync(client);
        var image = TestImages.Jpeg(seed: 71);

        using (var held = await api.Services.GetRequiredService<DecodeGate>().EnterAsync(new ImageHeader("JPEG", "image/jpeg", 1000, 1000), CancellationToken.None))
        {
            Assert.True(held.IsAcquired);
            var busy = await client.PostAsync(path, Form(path, image));
            await ApiAssert.ErrorAsync(busy, 503, "busy", "busy");
            Assert.Equal(TimeSpan.FromSeconds(3), busy.Headers.RetryAfter?.Delta);
            Assert.Equal(before, await ApiAssert.FeedbackCountAsync(client));
        }

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(path, Form(path, image))).StatusCode);
    }

    [Fact]
    public async Task The_pixel_limit_is_configurable_and_refuses_from_the_header()
    {
        var client = api.CreateClient();

        var response = await client.PostAsync("/feedback", Forms.Feedback("Pre", "Pro", TestImages.Jpeg(seed: 72, width: 1200, height: 1000)));

        await ApiAssert.ErrorAsync(response, 422, "dimensions_too_large", "1,000,000 pixels");
    }

    private static MultipartFormDataContent Form(string path, byte[] image) =>
        path == "/feedback" ? Forms.Feedback("Early", "Pre", image) : Forms.Image(image);
}
