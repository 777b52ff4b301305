using AllClassifier.Web.Tests.Infrastructure;

namespace AllClassifier.Web.Tests.Flows;

public sealed class ServiceDefaultsTests
{
    [Fact]
    public async Task Health_and_prometheus_metrics_are_served()
    {
        await using var web = new WebAppFactory(WebAppFactory.ClosedLoopbackAddress(), new Dictionary<string, string?> { ["Metrics:ScrapeKey"] = "scrape-key" });
        using var client = await web.CreateSignedInClientAsync();

        await client.GetStringAsync("/");
        var health = await client.GetAsync("/health");
        using var scrape = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { { "Authorization", "Bearer scrape-key" } } };
        var metrics = await (await client.SendAsync(scrape)).Content.ReadAsStringAsync();

        Assert.True(health.IsSuccessStatusCode);
        Assert.Matches("http_requests_total\\{[^}]*handler=\"/\",method=\"GET\",status=\"2xx\"\\} [1-9]", metrics);
    }
}
