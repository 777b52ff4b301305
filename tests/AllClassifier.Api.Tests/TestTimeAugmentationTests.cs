using System.Text.Json.Nodes;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Registry;
using AllClassifier.Tests.Signing;

namespace AllClassifier.Api.Tests;

public sealed class TestTimeAugmentationTests
{
    // A generated smear has no symmetry, so its flipped and turned views score differently.
    private static readonly byte[] Image = TestImages.Png(seed: 57);

    [Fact]
    public async Task A_card_asking_for_four_views_serves_the_mean_of_the_four_views_probabilities()
    {
        using var api = new ApiFactory();
        TestModels.Register(api.RegistryDirectory, TestModels.Model, card: card => card with { TestTimeAugmentation = 4 });
        await api.WaitForModelVersionAsync(1);
        var client = api.CreateClient();

        var json = await ApiAssert.OkJsonAsync(await client.PostAsync("/predict", Forms.Image(Image, "smear.png", "image/png")));
        var card = await ApiAssert.OkJsonAsync(await client.GetAsync("/model"));

        var (identity, mean) = ExpectedScores([DihedralView.Identity, DihedralView.FlipHorizontal, DihedralView.FlipVertical, DihedralView.Rotate180]);
        var probabilities = Probabilities(json);
        for (var c = 0; c < 4; c++)
        {
            Assert.Equal(mean[c], probabilities[c], 1e-5f);
        }

        Assert.True(
            Enumerable.Range(0, 4).Max(c => Math.Abs(identity[c] - mean[c])) > 1e-3,
            "The image's views should score differently, or the test cannot tell four views from one.");
        Assert.Equal(Array.IndexOf(mean, mean.Max()), json.GetProperty("predicted_class").GetInt32());
        Assert.Equal(4, json.GetProperty("test_time_views").GetInt32());
        Assert.Equal(4, card.GetProperty("test_time_augmentation").GetInt32());
    }

    [Fact]
    public async Task A_card_written_before_the_setting_serves_the_image_as_it_is()
    {
        using var api = new ApiFactory();
        var registry = new LocalModelRegistry(api.RegistryDirectory);
        var registered = TestModels.Register(api.RegistryDirectory, TestModels.Model, makeChampion: false);
        var cardPath = Path.Combine(registered.Directory, LocalModelRegistry.CardFileName);
        var card = JsonNode.Parse(File.ReadAllText(cardPath))!.AsObject();
        Assert.True(card.Remove("test_time_augmentation"));
        File.WriteAllText(cardPath, card.ToJsonString());
        // The old card is what the trainer would have signed then; an unsigned rewrite is refused.
        TestSigningKey.Sign(registered.Directory);
        registry.SetAlias(registered.Version);
        await api.WaitForModelVersionAsync(1);

        var json = await ApiAssert.OkJsonAsync(await api.CreateClient().PostAsync("/predict", Forms.Image(Image, "smear.png", "image/png")));

        var (identity, _) = ExpectedScores([DihedralView.Identity]);
        var probabilities = Probabilities(json);
        for (var c = 0; c < 4; c++)
        {
            Assert.Equal(identity[c], probabilities[c], 1e-5f);
        }

        Assert.Equal(1, json.GetProperty("test_time_views").GetInt32());
    }

    [Fact]
    public async Task A_card_with_a_view_count_outside_1_2_4_8_is_not_served()
    {
        using var api = new ApiFactory();
        TestModels.Register(api.RegistryDirectory, TestModels.Model, makeChampion: false);
        TestModels.Register(api.RegistryDirectory, TestModels.Model, makeChampion: false, card: card => card with { TestTimeAugmentation = 3 });
        var registry = new LocalModelRegistry(api.RegistryDirectory);
        registry.SetAlias(1);
        await api.WaitForModelVersionAsync(1);

        registry.SetAlias(2);
        await Poll.UntilAsync(
            () => api.Logs.GetSnapshot().Any(log =>
                log.Message.StartsWith("Refused model version 2", StringComparison.Ordinal)
                && log.Exception?.Message.Contains("test_time_augmentation", StringComparison.Ordinal) == true),
            "the refused card to be logged");

        var card = await ApiAssert.OkJsonAsync(await api.CreateClient().GetAsync("/model"));
        Assert.Equal(1, card.GetProperty("version").GetInt32());
    }

    /// <summary>The single-view probabilities of <see cref="Image"/> and their mean over <paramref name="views"/>, scored in-process.</summary>
    private static (float[] Identity, float[] Mean) ExpectedScores(int[] views)
    {
        using var classifier = OnnxClassifier.Load(TestModels.Model);
        var tensor = new ImagePreprocessor().ToTensor(Image);
        var view = new float[tensor.Length];
        var perView = views.Select(v =>
        {
            DihedralView.Apply(tensor, view, v);
            return classifier.Classify(view);
        }).ToList();
        var mean = Enumerable.Range(0, 4).Select(c => perView.Average(p => p[c])).ToArray();
        return (classifier.Classify(tensor), mean);
    }

    private static float[] Probabilities(System.Text.Json.JsonElement json) =>
        [.. json.GetProperty("probabilities").EnumerateArray().Select(p => p.GetSingle())];
}
