using AllClassifier.Api.Tests.Infrastructure;

namespace AllClassifier.Api.Tests;

[Collection(ServingApiCollection.Name)]
public sealed class ModelEndpointTests(ServingApiFactory api)
{
    private readonly HttpClient _client = api.CreateClient();

    [Fact]
    public async Task Model_card_describes_the_served_version_in_snake_case()
    {
        var card = await ApiAssert.OkJsonAsync(await _client.GetAsync("/model"));

        Assert.Equal(1, card.GetProperty("version").GetInt32());
        Assert.Equal("test-run-1", card.GetProperty("run_id").GetString());
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero), card.GetProperty("created").GetDateTimeOffset());
        Assert.Equal(["Benign", "Early", "Pre", "Pro"], card.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        var metrics = card.GetProperty("metrics");
        Assert.Equal(0.75, metrics.GetProperty("accuracy").GetDouble());
        Assert.True(metrics.TryGetProperty("macro_f1", out _));
        var perClass = metrics.GetProperty("per_class").EnumerateArray().ToList();
        Assert.Equal(4, perClass.Count);
        Assert.Equal("Early Pre-B", perClass[1].GetProperty("display_name").GetString());
        Assert.Equal(2, perClass[1].GetProperty("support").GetInt32());
        Assert.Equal(4, metrics.GetProperty("confusion_matrix").GetArrayLength());
    }

    [Fact]
    public async Task Model_card_says_how_this_replica_serves_it()
    {
        var serving = (await ApiAssert.OkJsonAsync(await _client.GetAsync("/model"))).GetProperty("serving");

        // The fixture's model is fp32: there is no first convolution form to choose.
        Assert.Equal("none", serving.GetProperty("first_convolution_form").GetString());
        Assert.Equal(0, serving.GetProperty("first_convolution_forms").GetArrayLength());
        Assert.Contains("no INT8 first convolution", serving.GetProperty("reason").GetString());
        Assert.Equal(
            AllClassifier.Model.Inference.CpuFeatures.Current.Names,
            serving.GetProperty("cpu_features").EnumerateArray().Select(f => f.GetString()!).ToList());
        Assert.Equal(new Api.Serving.ModelServingOptions().WarmupInferences, serving.GetProperty("warmup_inferences").GetInt32());
        Assert.True(serving.GetProperty("class_activation_map_pruned").GetBoolean());
        Assert.Equal("Healthy", await _client.GetStringAsync("/ready"));
    }

    [Fact]
    public async Task Confusion_matrix_picture_is_the_registered_png()
    {
        var response = await _client.GetAsync("/model/confusion-matrix.png");

        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TestModels.ConfusionMatrixPng, await response.Content.ReadAsByteArrayAsync());
    }
}
