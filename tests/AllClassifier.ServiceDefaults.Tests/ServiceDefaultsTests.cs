using System.Net;
using AllClassifier.ServiceDefaults.Metrics;
using AllClassifier.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Hosting;

namespace AllClassifier.ServiceDefaults.Tests;

public sealed class ServiceDefaultsTests : IAsyncLifetime
{
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseTestServer();
        builder.AddServiceDefaults();
        _app = builder.Build();
        _app.MapDefaultEndpoints();
        var items = _app.MapGroup("/items");
        items.MapGet("/{id:int}", (int id) => id == 0 ? Results.NotFound() : Results.Ok(id));
        items.MapPost("", () => Results.StatusCode(StatusCodes.Status500InternalServerError));
        await _app.StartAsync();
        _client = _app.GetTestClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Http_metrics_use_the_LLD_names_with_route_templates_and_status_classes()
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/items/7")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/items/8")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/items/0")).StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await _client.PostAsync("/items", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/no/such/path/123")).StatusCode);

        var scrape = PrometheusExposition.Parse(await _client.GetStringAsync("/metrics"));

        Assert.Equal("counter", scrape.Types["http_requests_total"]);
        Assert.Equal("histogram", scrape.Types["http_request_duration_seconds"]);
        Assert.Equal(2, scrape.Sum("http_requests_total", ("method", "GET"), ("handler", "/items/{id:int}"), ("status", "2xx")));
        Assert.Equal(1, scrape.Sum("http_requests_total", ("method", "GET"), ("handler", "/items/{id:int}"), ("status", "4xx")));
        Assert.Equal(1, scrape.Sum("http_requests_total", ("method", "POST"), ("handler", "/items"), ("status", "5xx")));
        Assert.Equal(1, scrape.Sum("http_requests_total", ("method", "GET"), ("handler", HttpMetrics.UnmatchedHandler), ("status", "4xx")));

        // Raw paths never become label values: cardinality stays bounded by the route table.
        Assert.DoesNotContain(scrape.Named("http_requests_total"), s => s.Labels["handler"].Contains("/items/7", StringComparison.Ordinal));
        Assert.All(scrape.Named("http_requests_total"), s => Assert.Matches("^[1-5]xx$", s.Labels["status"]));

        var buckets = scrape.Named("http_request_duration_seconds_bucket").Where(s => s.Labels["handler"] == "/items/{id:int}").ToList();
        Assert.Equal(
            [.. HttpMetrics.DurationBuckets.Select(b => b.ToString(System.Globalization.CultureInfo.InvariantCulture)), "+Inf"],
            buckets.Select(b => b.Labels["le"]));
        Assert.Equal(3, buckets[^1].Value);
        Assert.Equal(3, scrape.Sum("http_request_duration_seconds_count", ("handler", "/items/{id:int}")));
        Assert.True(scrape.Sum("http_request_duration_seconds_sum", ("handler", "/items/{id:int}")) > 0);
    }

    [Fact]
    public async Task Scrapes_and_health_probes_are_not_counted_as_requests()
    {
        await _client.GetAsync("/health");
        await _client.GetAsync("/alive");
        await _client.GetStringAsync("/metrics");

        var scrape = PrometheusExposition.Parse(await _client.GetStringAsync("/metrics"));

        Assert.DoesNotContain(scrape.Named("http_requests_total"), s => s.Labels["handler"] is "/metrics" or "/health" or "/alive");
    }

    [Fact]
    public async Task Process_cpu_and_host_memory_use_the_node_and_process_exporter_names()
    {
        var first = PrometheusExposition.Parse(await _client.GetStringAsync("/metrics"));
        // Burn a little CPU so the counter visibly moves.
        var deadline = DateTime.UtcNow.AddMilliseconds(100);
        var spin = 0L;
        while (DateTime.UtcNow < deadline)
        {
            spin++;
        }

        var second = PrometheusExposition.Parse(await _client.GetStringAsync("/metrics"));

        Assert.True(spin > 0);
        Assert.Equal("counter", second.Types["process_cpu_seconds_total"]);
        Assert.Equal("gauge", second.Types["node_memory_MemAvailable_bytes"]);
        Assert.True(second.Sum("process_cpu_seconds_total") > first.Sum("process_cpu_seconds_total"));
        var available = second.Sum("node_memory_MemAvailable_bytes");
        Assert.Equal(HostMetrics.ReadAvailableMemoryBytes()!.Value, available, tolerance: 512L * 1024 * 1024);
        Assert.True(available > 1024 * 1024);
    }

    [Fact]
    public async Task Health_and_liveness_endpoints_answer()
    {
        Assert.Equal("Healthy", await _client.GetStringAsync("/health"));
        Assert.Equal("Healthy", await _client.GetStringAsync("/alive"));
    }

    [Fact]
    public async Task Health_answers_every_check_with_its_description_as_json_when_asked()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Accept.ParseAdd("application/json");

        using var response = await _client.SendAsync(request);
        var report = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Healthy", report.GetProperty("status").GetString());
        Assert.Equal("Healthy", report.GetProperty("checks").GetProperty("self").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Unknown_methods_are_counted_as_OTHER_so_clients_cannot_add_label_values()
    {
        await _client.SendAsync(new HttpRequestMessage(new HttpMethod("FOO"), "/items/7"));
        await _client.SendAsync(new HttpRequestMessage(new HttpMethod("BAR"), "/items/7"));

        var scrape = PrometheusExposition.Parse(await _client.GetStringAsync("/metrics"));

        Assert.Equal(2, scrape.Sum("http_requests_total", ("method", HttpMetrics.OtherMethod)));
        Assert.DoesNotContain(scrape.Named("http_requests_total"), s => s.Labels["method"] is "FOO" or "BAR");
    }

    [Theory]
    [InlineData(200, "2xx")]
    [InlineData(204, "2xx")]
    [InlineData(302, "3xx")]
    [InlineData(404, "4xx")]
    [InlineData(422, "4xx")]
    [InlineData(503, "5xx")]
    public void Status_codes_are_reported_by_class(int code, string expected) =>
        Assert.Equal(expected, HttpMetrics.StatusClass(code));
}
