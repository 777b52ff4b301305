using System.Net.Http.Headers;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Training.Heads;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AllClassifier.Api.Tests;

[Collection(ServingApiCollection.Name)]
public sealed class ExplainTests(ServingApiFactory api)
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly HttpClient _client = api.CreateClient();

    [Fact]
    public async Task Explain_answers_a_valid_224_png_that_is_identical_for_identical_input()
    {
        var image = TestImages.Jpeg(seed: 61);

        using var first = await _client.PostAsync("/explain", Forms.Image(image));
        using var second = await _client.PostAsync("/explain", Forms.Image(image));
        var firstPng = await OkPngAsync(first);
        var secondPng = await OkPngAsync(second);

        Assert.Equal(PngSignature, firstPng.Take(PngSignature.Length));
        using var decoded = Image.Load<Rgb24>(firstPng);
        Assert.Equal((224, 224), (decoded.Width, decoded.Height));
        Assert.Equal(firstPng, secondPng);
        Assert.Equal(first.Headers.GetValues("X-Predicted-Class"), first.Headers.GetValues("X-Explained-Class"));
    }

    [Fact]
    public async Task The_overlay_mixes_the_viridis_map_into_the_input()
    {
        var image = TestImages.Jpeg(seed: 62);
        using var input = new ImagePreprocessor().LoadResized(image);

        using var response = await _client.PostAsync("/explain", Forms.Image(image));
        using var overlay = Image.Load<Rgb24>(await OkPngAsync(response));

        // Half the input plus half a viridis colour: every channel is within the colour map's reach of half the input.
        var changed = 0;
        for (var y = 0; y < 224; y += 7)
        {
            for (var x = 0; x < 224; x += 7)
            {
                var before = input[x, y];
                var after = overlay[x, y];
                Assert.InRange(after.G - (before.G / 2.0), 0.5 * 0x01 - 1, 0.5 * 0xE7 + 1);
                changed += before == after ? 0 : 1;
            }
        }

        Assert.True(changed > 900, $"{changed} of 1024 sampled pixels changed");
    }

    [Fact]
    public async Task Explain_shows_the_class_asked_for_by_name_or_index()
    {
        var image = TestImages.Jpeg(seed: 63);

        using var byName = await _client.PostAsync("/explain", WithClass(Forms.Image(image), "pro"));
        using var byIndex = await _client.PostAsync("/explain", WithClass(Forms.Image(image), "3"));
        using var other = await _client.PostAsync("/explain", WithClass(Forms.Image(image), "Benign"));

        Assert.Equal("Pro", Assert.Single(byName.Headers.GetValues("X-Explained-Class")));
        Assert.Equal(await OkPngAsync(byName), await OkPngAsync(byIndex));
        Assert.Equal("Benign", Assert.Single(other.Headers.GetValues("X-Explained-Class")));
        Assert.NotEqual(await OkPngAsync(byName), await OkPngAsync(other));
    }

    [Fact]
    public async Task An_unknown_class_is_422()
    {
        using var response = await _client.PostAsync("/explain", WithClass(Forms.Image(TestImages.Jpeg(seed: 64)), "Mature"));

        await ApiAssert.ErrorAsync(response, 422, "unknown_label", "not a class");
    }

    [Fact]
    public async Task Predict_with_explain_keeps_the_contract_and_adds_the_predicted_class_map_and_overlay()
    {
        var image = TestImages.Jpeg(seed: 65);

        var plain = await ApiAssert.OkJsonAsync(await _client.PostAsync("/predict", Forms.Image(image)));
        var explained = await ApiAssert.OkJsonAsync(await _client.PostAsync("/predict?explain=true", Forms.Image(image)));
        using var png = await _client.PostAsync("/explain", Forms.Image(image));

        Assert.False(plain.TryGetProperty("explanation", out _));
        foreach (var field in new[] { "probabilities", "predicted_class", "class_name", "model_version" })
        {
            Assert.Equal(plain.GetProperty(field).GetRawText(), explained.GetProperty(field).GetRawText());
        }

        var explanation = explained.GetProperty("explanation");
        var predicted = plain.GetProperty("predicted_class").GetInt32();
        Assert.Equal(predicted, explanation.GetProperty("class_index").GetInt32());
        Assert.Equal(plain.GetProperty("class_name").GetString(), explanation.GetProperty("class_name").GetString());
        Assert.Equal(await OkPngAsync(png), explanation.GetProperty("overlay_png").GetBytesFromBase64());

        // The map is the served model's own, for the predicted class, row by row.
        var rows = explanation.GetProperty("map").EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
        using var classifier = OnnxClassifier.Load(TestModels.Model);
        var expected = classifier.Explain(new ImagePreprocessor().ToTensor(image)).Map.ForClass(predicted);
        Assert.Equal(7, rows.Length);
        Assert.All(rows, row => Assert.Equal(7, row.Length));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], rows[i / 7][i % 7], 1e-5f);
        }
    }

    private static MultipartFormDataContent WithClass(MultipartFormDataContent form, string value)
    {
        form.Add(new StringContent(value), "class");
        return form;
    }

    private static async Task<byte[]> OkPngAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.IsSuccessStatusCode, $"expected success, got {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
        Assert.Equal(new MediaTypeHeaderValue("image/png"), response.Content.Headers.ContentType);
        return body;
    }
}

/// <summary>A model composed before maps existed: an MLP head without a linear probe has no <c>cam</c> output.</summary>
public sealed class MaplessModelTests : IAsyncLifetime
{
    private readonly ApiFactory _api = new();

    public async Task InitializeAsync()
    {
        var head = TestModels.RandomHead(seed: 5);
        var mlp = new ClassifierHead(
            HeadKind.Mlp,
            head.FeatureMean,
            head.FeatureScale,
            [new DenseLayer(512, 4, head.Layers[0].Weights, head.Layers[0].Bias), new DenseLayer(4, 4, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], [0, 0, 0, 0])]);
        TestModels.Register(_api.RegistryDirectory, TestModels.Compose(mlp));
        await _api.WaitForModelVersionAsync(1);
    }

    public Task DisposeAsync()
    {
        _api.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task It_still_predicts_and_explaining_is_a_409_with_a_detail()
    {
        var client = _api.CreateClient();
        var image = TestImages.Jpeg(seed: 66);

        var plain = await ApiAssert.OkJsonAsync(await client.PostAsync("/predict", Forms.Image(image)));
        using var explain = await client.PostAsync("/explain", Forms.Image(image));
        using var predictExplained = await client.PostAsync("/predict?explain=true", Forms.Image(image));

        Assert.Equal(4, plain.GetProperty("probabilities").GetArrayLength());
        await ApiAssert.ErrorAsync(explain, 409, "no_class_activation_map", "no class activation map");
        await ApiAssert.ErrorAsync(predictExplained, 409, "no_class_activation_map", "no class activation map");
    }
}
