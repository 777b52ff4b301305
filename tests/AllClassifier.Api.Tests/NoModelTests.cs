using AllClassifier.Api.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace AllClassifier.Api.Tests;

/// <summary>
/// An API with an empty registry whose feedback directory cannot be created (a file is in the way): the 503
/// answers before any model exists, and the 500 path of a real storage fault.
/// </summary>
public sealed class BrokenStorageApiFactory() : ApiFactory(feedbackDirectory: BlockedDirectory())
{
    private static string BlockedDirectory()
    {
        var blocker = Path.Combine(Directory.CreateTempSubdirectory("allclassifier-blocked-").FullName, "not-a-directory");
        File.WriteAllText(blocker, "a file where the feedback directory should be");
        return Path.Combine(blocker, "feedback");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            // WebApplicationFactory may dispose twice (Dispose and DisposeAsync).
            var temporaryRoot = Path.GetDirectoryName(Path.GetDirectoryName(FeedbackDirectory))!;
            if (Directory.Exists(temporaryRoot))
            {
                Directory.Delete(temporaryRoot, recursive: true);
            }
        }
    }
}

public sealed class NoModelTests(BrokenStorageApiFactory api) : IClassFixture<BrokenStorageApiFactory>
{
    private readonly HttpClient _client = api.CreateClient();

    [Fact]
    public async Task Predict_before_any_model_is_503_with_retry_after()
    {
        var response = await _client.PostAsync("/predict", Forms.Image(TestImages.Jpeg(seed: 101)));

        var detail = await ApiAssert.ErrorAsync(response, 503, "no_model", "no model is available yet");
        Assert.Equal("no model is available yet", detail);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    [Fact]
    public async Task Bad_images_are_still_4xx_without_a_model()
    {
        await ApiAssert.ErrorAsync(await _client.PostAsync("/predict", Forms.Image([])), 422, "empty_image", "empty");
    }

    [Fact]
    public async Task Model_endpoints_are_503_and_health_is_degraded_before_any_model()
    {
        var card = await _client.GetAsync("/model");
        await ApiAssert.ErrorAsync(card, 503, "no_model", "no model is available yet");
        Assert.NotNull(card.Headers.RetryAfter);
        await ApiAssert.ErrorAsync(await _client.GetAsync("/model/confusion-matrix.png"), 503, "no_model", "no model is available yet");

        var health = await _client.GetAsync("/health");
        Assert.True(health.IsSuccessStatusCode);
        Assert.Equal("Degraded", await health.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", await _client.GetStringAsync("/alive"));
        var ready = await _client.GetAsync("/ready");
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("Degraded", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_storage_fault_is_logged_with_its_exception_and_answered_server_error()
    {
        var response = await _client.GetAsync("/feedback/count");

        Assert.Equal(500, (int)response.StatusCode);
        Assert.Equal("""{"detail":"server error","code":"server_error"}""", await response.Content.ReadAsStringAsync());
        var log = Assert.Single(api.Logs.GetSnapshot(), l => l.Message.StartsWith("unhandled error", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Error, log.Level);
        Assert.Equal("unhandled error in GET /feedback/count", log.Message);
        Assert.IsAssignableFrom<IOException>(log.Exception);
    }
}
