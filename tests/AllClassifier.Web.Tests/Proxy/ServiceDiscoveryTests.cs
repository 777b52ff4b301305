using AllClassifier.Web.Tests.Infrastructure;

namespace AllClassifier.Web.Tests.Proxy;

/// <summary>Without BACKEND_URL the app resolves <c>http://backend</c> the way Aspire configures it.</summary>
public sealed class ServiceDiscoveryTests : IAsyncLifetime
{
    private FakeBackendServer first = null!;
    private FakeBackendServer second = null!;

    public async Task InitializeAsync()
    {
        first = await FakeBackendServer.StartAsync(initialFeedbackCount: 3);
        second = await FakeBackendServer.StartAsync(initialFeedbackCount: 3);
    }

    public async Task DisposeAsync()
    {
        await first.DisposeAsync();
        await second.DisposeAsync();
    }

    [Fact]
    public async Task Pages_and_proxy_reach_the_discovered_backend_and_the_proxy_spreads_over_replicas()
    {
        await using var web = new WebAppFactory(backend: null, new Dictionary<string, string?>
        {
            ["services:backend:http:0"] = first.Address.ToString(),
            ["services:backend:http:1"] = second.Address.ToString(),
        });
        using var client = await web.CreateSignedInClientAsync();

        var html = await client.GetStringAsync("/Feedback");
        Assert.Equal("3", FormPoster.TestIdText(html, "feedback-count"));

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(
                """{"feedback_count":3,"pending_since_training":2,"threshold":7,"trained_up_to":1}""",
                await client.GetStringAsync("/api/feedback/count"));
        }

        // Round robin: each replica answers half of the proxied calls (the page's own call went to one of them).
        Assert.Equal(7, first.CountRequests("/feedback/count") + second.CountRequests("/feedback/count"));
        Assert.InRange(first.CountRequests("/feedback/count"), 3, 4);
        Assert.InRange(second.CountRequests("/feedback/count"), 3, 4);
    }
}
