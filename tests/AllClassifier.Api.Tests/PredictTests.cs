using System.Text.Json;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;

namespace AllClassifier.Api.Tests;

[Collection(ServingApiCollection.Name)]
public sealed class PredictTests(ServingApiFactory api)
{
    private readonly HttpClient _client = api.CreateClient();

    public static TheoryData<string, string, string> Formats() => new()
    {
        { "jpeg", "smear.jpg", "image/jpeg" },
        { "png", "smear.png", "image/png" },
        { "bmp", "smear.bmp", "image/bmp" },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Predict_answers_the_contract_with_the_scores_of_the_served_model(string format, string fileName, string contentType)
    {
        var image = format switch
        {
            "png" => TestImages.Png(seed: 31),
            "bmp" => TestImages.Bmp(seed: 31),
            _ => TestImages.Jpeg(seed: 31),
        };

        var json = await ApiAssert.OkJsonAsync(await _client.PostAsync("/predict", Forms.Image(image, fileName, contentType)));

        var probabilities = json.GetProperty("probabilities").EnumerateArray().Select(p => p.GetSingle()).ToArray();
        Assert.Equal(4, probabilities.Length);
        Assert.InRange(probabilities.Sum(), 0.999f, 1.001f);
        var predicted = json.GetProperty("predicted_class").GetInt32();
        Assert.Equal(Array.IndexOf(probabilities, probabilities.Max()), predicted);
        Assert.Equal(new[] { "Benign", "Early", "Pre", "Pro" }[predicted], json.GetProperty("class_name").GetString());
        Assert.Equal(1, json.GetProperty("model_version").GetInt32());
        // The test gate's threshold refers nothing; its score is still reported.
        Assert.False(json.GetProperty("refer").GetBoolean());
        Assert.Equal(0, json.GetProperty("refer_reasons").GetArrayLength());
        Assert.True(json.GetProperty("ood_score").GetDouble() > 0);

        // The same bytes through the same library in-process give the same scores: no second preprocessing path.
        using var classifier = OnnxClassifier.Load(TestModels.Model);
        var expected = classifier.Score(new ImagePreprocessor().ToTensor(image)).Probabilities;
        for (var c = 0; c < 4; c++)
        {
            Assert.Equal(expected[c], probabilities[c], 1e-5f);
        }
    }

    [Fact]
    public async Task Different_images_get_different_scores()
    {
        var first = await ApiAssert.OkJsonAsync(await _client.PostAsync("/predict", Forms.Image(TestImages.Jpeg(seed: 41))));
        var second = await ApiAssert.OkJsonAsync(await _client.PostAsync("/predict", Forms.Image(TestImages.Jpeg(seed: 42))));

        Assert.NotEqual(
            first.GetProperty("probabilities").GetRawText(),
            second.GetProperty("probabilities").GetRawText());
    }

    [Fact]
    public async Task Ping_answers_ok_and_health_reports_the_model()
    {
        var ping = await ApiAssert.OkJsonAsync(await _client.GetAsync("/ping"));
        Assert.Equal("""{"status":"ok"}""", JsonSerializer.Serialize(ping));
        Assert.Equal("Healthy", await _client.GetStringAsync("/health"));
        Assert.Equal("Healthy", await _client.GetStringAsync("/alive"));
    }
}
