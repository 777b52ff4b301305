using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Testing;

namespace AllClassifier.Api.Tests;

[Collection(ServingApiCollection.Name)]
public sealed class MetricsTests(ServingApiFactory api)
{
    private readonly HttpClient _client = api.CreateClient();

    [Fact]
    public async Task Metrics_carry_the_LLD_and_domain_names_and_move_with_traffic()
    {
        var before = await ScrapeAsync();

        var prediction = await ApiAssert.OkJsonAsync(await _client.PostAsync("/predict", Forms.Image(TestImages.Jpeg(seed: 81))));
        await _client.PostAsync("/predict", Forms.Image(TestImages.Gif(seed: 82), "a.gif", "image/gif"));
        await ApiAssert.OkJsonAsync(await _client.PostAsync("/feedback", Forms.Feedback("Pro", "Benign", TestImages.Jpeg(seed: 83))));
        var predictedClass = prediction.GetProperty("class_name").GetString()!;

        var after = await ScrapeAsync();

        Assert.Equal("counter", after.Types["http_requests_total"]);
        Assert.Equal("histogram", after.Types["http_request_duration_seconds"]);
        Assert.Equal(1, Delta("http_requests_total", ("method", "POST"), ("handler", "/predict"), ("status", "2xx")));
        Assert.Equal(1, Delta("http_requests_total", ("method", "POST"), ("handler", "/predict"), ("status", "4xx")));
        Assert.Equal(1, Delta("http_requests_total", ("method", "POST"), ("handler", "/feedback"), ("status", "2xx")));
        Assert.Equal(2, Delta("http_request_duration_seconds_count", ("handler", "/predict")));
        Assert.Equal(2, Delta("http_request_duration_seconds_bucket", ("handler", "/predict"), ("le", "+Inf")));
        Assert.True(Delta("http_request_duration_seconds_sum", ("handler", "/predict")) > 0);
        Assert.All(after.Named("http_requests_total"), s => Assert.Equal(["handler", "method", "otel_scope_name", "status"], s.Labels.Keys.Order()));

        Assert.True(after.Sum("process_cpu_seconds_total") > 0);
        Assert.True(after.Sum("node_memory_MemAvailable_bytes") > 0);

        Assert.Equal(1, Delta("allclassifier_predictions_total", ("class", predictedClass)));
        Assert.Equal(1, Delta("allclassifier_prediction_confidence_count"));
        Assert.Equal(1, Delta("allclassifier_inference_duration_seconds_count"));
        Assert.True(Delta("allclassifier_inference_duration_seconds_sum") > 0);
        Assert.Equal(1, Delta("allclassifier_feedback_total", ("correct", "Pro"), ("predicted", "Benign")));
        Assert.Equal(1, after.Sum("allclassifier_model_version"));
        Assert.Equal("gauge", after.Types["allclassifier_model_version"]);
        // Three headers read, the GIF refused from its header, so two decodes, and the two decoded uploads hashed.
        Assert.Equal(3, Delta("allclassifier_image_header_reads_total"));
        Assert.Equal(2, Delta("allclassifier_image_decodes_total", ("decode", "checked")));
        Assert.Equal(2, Delta("allclassifier_image_hashes_total"));

        double Delta(string name, params (string, string)[] labels) => after.Sum(name, labels) - before.Sum(name, labels);
    }

    private async Task<PrometheusExposition> ScrapeAsync() => PrometheusExposition.Parse(await _client.GetStringAsync("/metrics"));
}
