using AllClassifier.Api.Decoding;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Model.Imaging;
using Microsoft.Extensions.DependencyInjection;

namespace AllClassifier.Api.Tests.Decoding;

public sealed class ClientAbortTests
{
    [Fact]
    public async Task A_client_that_gives_up_while_queued_is_counted_as_4xx_and_not_logged_as_a_server_error()
    {
        using var api = new ApiFactory(settings: new Dictionary<string, string?>
        {
            ["Decoding:MaxPixels"] = "1000000",
            ["Decoding:MaxDecodingMegapixels"] = "1",
            ["Decoding:MaxQueuedMegapixels"] = "100",
        });
        var client = api.CreateClient();
        var gate = api.Services.GetRequiredService<DecodeGate>();
        using var abandon = new CancellationTokenSource();

        using (var held = await gate.EnterAsync(new ImageHeader("JPEG", "image/jpeg", 1000, 1000), CancellationToken.None))
        {
            var waiting = client.PostAsync("/feedback", Forms.Feedback("Pre", "Pro", TestImages.Jpeg(seed: 81)), abandon.Token);
            await Poll.UntilAsync(() => gate.Queued > 0, "the upload to queue for the decode budget");
            await abandon.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
            await Poll.UntilAsync(async () => (await Metrics(client)).Contains("status=\"4xx\""), "the abandoned request to be counted");
        }

        var metrics = await Metrics(client);
        Assert.DoesNotContain("status=\"5xx\"", metrics);
        Assert.DoesNotContain(api.Logs.GetSnapshot(), record => record.Message.Contains("unhandled error"));
    }

    private static async Task<string> Metrics(HttpClient client) =>
        string.Join('\n', (await client.GetStringAsync("/metrics")).Split('\n').Where(line => line.StartsWith("http_requests_total{", StringComparison.Ordinal) && line.Contains("/feedback")));
}
