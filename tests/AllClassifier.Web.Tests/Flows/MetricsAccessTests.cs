using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using AllClassifier.Web.Tests.Infrastructure;

namespace AllClassifier.Web.Tests.Flows;

/// <summary>
/// Runs alone: the request counters' meter is the process's, so sign-ins of tests running beside it would move the
/// series this test compares.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsAccessCollection
{
    public const string Name = "Web metrics, alone";
}

/// <summary>The web app's <c>/metrics</c>: for Prometheus with the scrape key or on this host, and silent about names.</summary>
[Collection(MetricsAccessCollection.Name)]
public sealed partial class MetricsAccessTests
{
    private const string ScrapeKey = "scrape-key-for-tests-7c41";

    [Fact]
    public async Task Without_the_scrape_key_metrics_are_refused()
    {
        await using var web = new WebAppFactory(WebAppFactory.ClosedLoopbackAddress(), new Dictionary<string, string?> { ["Metrics:ScrapeKey"] = ScrapeKey });
        using var client = web.CreateClient();
        using var page = await client.GetAsync("/Account/SignIn");

        using var anonymous = await client.GetAsync("/metrics");
        using var wrong = await GetMetricsAsync(client, "not-the-key");
        using var right = await GetMetricsAsync(client, ScrapeKey);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Contains("http_requests_total", await right.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Without_a_key_only_a_direct_scrape_from_this_host_is_served()
    {
        await using var web = new WebAppFactory(WebAppFactory.ClosedLoopbackAddress(), new Dictionary<string, string?> { ["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1" });
        var server = web.StartOnLoopback();
        using var local = new HttpClient { BaseAddress = server };
        using var throughProxy = new ProxiedClient(server, "203.0.113.7");

        using var direct = await local.GetAsync("/metrics");
        using var forwarded = await throughProxy.SendAsync(HttpMethod.Get, "/metrics");

        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forwarded.StatusCode);
    }

    [Fact]
    public async Task A_failed_sign_in_moves_the_same_series_for_an_existing_and_an_unknown_name()
    {
        await using var web = new WebAppFactory(WebAppFactory.ClosedLoopbackAddress(), new Dictionary<string, string?> { ["Metrics:ScrapeKey"] = ScrapeKey });
        using var client = web.CreateClient();
        using var warmUp = await WebAppFactory.SignInAsync(client, "warm-up", "Wrong-guess-0000");

        var start = await ScrapeAfterFailedSignInsAsync(client, 1);
        using var existing = await WebAppFactory.SignInAsync(client, WebAppFactory.AdminName, "Wrong-guess-0001");
        var afterExisting = await ScrapeAfterFailedSignInsAsync(client, 2);
        using var unknown = await WebAppFactory.SignInAsync(client, "nobody-of-that-name", "Wrong-guess-0002");
        var afterUnknown = await ScrapeAfterFailedSignInsAsync(client, 3);

        var existingMoved = Moved(start, afterExisting);
        var unknownMoved = Moved(afterExisting, afterUnknown);
        Assert.Contains(existingMoved, s => s.StartsWith("http_requests_total", StringComparison.Ordinal));
        Assert.Equal(existingMoved, unknownMoved);
        Assert.DoesNotContain(afterUnknown.Keys, s => s.StartsWith("aspnetcore_identity", StringComparison.Ordinal));
    }

    private static async Task<HttpResponseMessage> GetMetricsAsync(HttpClient client, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await client.SendAsync(request);
    }

    // A request is counted once its answer is sent, which can be just after the client has read it: poll until the
    // failed sign-ins so far are all in.
    private static async Task<Dictionary<string, double>> ScrapeAfterFailedSignInsAsync(HttpClient client, int failures)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var samples = await ScrapeAsync(client);
            var counted = samples.Where(s => s.Key.StartsWith("http_requests_total", StringComparison.Ordinal)
                    && s.Key.Contains("handler=\"/Account/SignIn\",method=\"POST\"", StringComparison.Ordinal))
                .Sum(s => s.Value);
            if (counted >= failures || DateTime.UtcNow > deadline)
            {
                return samples;
            }

            await Task.Delay(50);
        }
    }

    private static async Task<Dictionary<string, double>> ScrapeAsync(HttpClient client)
    {
        using var response = await GetMetricsAsync(client, ScrapeKey);
        // Several web hosts run in this test process and OpenTelemetry picks meters by name process-wide, so another
        // host's gauge of the same name can appear as a second series. Only this host's request counters are compared.
        return SampleLine().Matches(await response.Content.ReadAsStringAsync())
            .GroupBy(m => m.Groups[1].Value)
            .ToDictionary(g => g.Key, g => double.Parse(g.Last().Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    // The counters a sign-in moves (its route's, Identity's own), with how much they moved; gauges of requests in
    // flight and durations move on their own.
    private static SortedSet<string> Moved(Dictionary<string, double> before, Dictionary<string, double> after) =>
        [.. after.Where(s => (s.Key.Contains("SignIn", StringComparison.Ordinal) || s.Key.Contains("sign-in", StringComparison.Ordinal)
                    || s.Key.StartsWith("aspnetcore_identity", StringComparison.Ordinal))
                && s.Key.Contains("_total{", StringComparison.Ordinal) && s.Value != before.GetValueOrDefault(s.Key))
            .Select(s => $"{s.Key} +{s.Value - before.GetValueOrDefault(s.Key)}")];

    [GeneratedRegex(@"^([a-zA-Z_:][^ ]*(?:\{[^}]*\})?) ([0-9.eE+-]+)(?: \d+)?$", RegexOptions.Multiline)]
    private static partial Regex SampleLine();
}
