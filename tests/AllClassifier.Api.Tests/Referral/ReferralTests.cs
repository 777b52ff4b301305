using System.Text.Json;
using AllClassifier.Api.Telemetry;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Referral;
using AllClassifier.Model.Registry;
using AllClassifier.Testing;

namespace AllClassifier.Api.Tests.Referral;

/// <summary>
/// The referral contract end to end over real composed models: the in-graph score, the card's thresholds and quality
/// limits, the fields of /predict, the headers of /explain, /model's gate, /health and the metrics.
/// </summary>
public sealed class ReferralTests
{
    private static async Task<ApiFactory> ServeAsync(byte[] model, Func<ModelCard, ModelCard> card)
    {
        var api = new ApiFactory();
        TestModels.Register(api.RegistryDirectory, model, card: card);
        await api.WaitForModelVersionAsync(1);
        return api;
    }

    [Fact]
    public async Task An_image_scoring_over_the_threshold_is_referred_with_its_score_in_every_answer_and_metric()
    {
        // The test gate's score is the squared length of the features, far above this threshold for any real image.
        using var api = await ServeAsync(TestModels.Model, card => card with { ReferralGate = TestModels.Gate with { OodThreshold = 1e-3 } });
        var client = api.CreateClient();
        var image = TestImages.Jpeg(seed: 301);
        var before = PrometheusExposition.Parse(await client.GetStringAsync("/metrics"));

        var json = await ApiAssert.OkJsonAsync(await client.PostAsync("/predict", Forms.Image(image)));
        using var explain = await client.PostAsync("/explain", Forms.Image(image));

        Assert.True(json.GetProperty("refer").GetBoolean());
        Assert.Equal([ReferralReasons.UnlikeTrainingImages], json.GetProperty("refer_reasons").EnumerateArray().Select(r => r.GetString()));
        using var classifier = OnnxClassifier.Load(TestModels.Model);
        var expected = classifier.ClassifyWithOodScore(new ImagePreprocessor().ToTensor(image)).OodScore!.Value;
        Assert.Equal(expected, json.GetProperty("ood_score").GetDouble(), expected * 1e-5);
        // The class stays in the answer: a referral says not to trust it, it does not hide it.
        Assert.Equal(4, json.GetProperty("probabilities").GetArrayLength());

        Assert.True(explain.IsSuccessStatusCode);
        Assert.Equal("true", Assert.Single(explain.Headers.GetValues("X-Refer")));
        Assert.Equal(ReferralReasons.UnlikeTrainingImages, Assert.Single(explain.Headers.GetValues("X-Refer-Reasons")));
        Assert.Equal(expected, double.Parse(Assert.Single(explain.Headers.GetValues("X-Ood-Score")), System.Globalization.CultureInfo.InvariantCulture), expected * 1e-5);

        var after = PrometheusExposition.Parse(await client.GetStringAsync("/metrics"));
        Assert.Equal(2, after.Sum("allclassifier_referred_predictions_total") - before.Sum("allclassifier_referred_predictions_total"));
        Assert.Equal(2, after.Sum("allclassifier_referral_reasons_total", ("reason", ReferralReasons.UnlikeTrainingImages))
            - before.Sum("allclassifier_referral_reasons_total", ("reason", ReferralReasons.UnlikeTrainingImages)));
        Assert.Equal(2, after.Sum("allclassifier_ood_score_ratio_count") - before.Sum("allclassifier_ood_score_ratio_count"));
        Assert.Equal("Healthy", await client.GetStringAsync("/health"));
    }

    [Fact]
    public async Task A_quality_limit_refers_with_its_own_reason_and_model_shows_the_gate()
    {
        // Threshold far above any score: only the limit on the upload's size can refer.
        using var api = await ServeAsync(
            TestModels.Model,
            card => card with { ReferralGate = TestModels.Gate with { Quality = new QualityLimits { MinSide = 1000 }, Coverage = 0.98 } });
        var client = api.CreateClient();

        var json = await ApiAssert.OkJsonAsync(await client.PostAsync("/predict", Forms.Image(TestImages.Jpeg(seed: 302))));
        var gate = (await ApiAssert.OkJsonAsync(await client.GetAsync("/model"))).GetProperty("referral_gate");

        Assert.True(json.GetProperty("refer").GetBoolean());
        Assert.Equal([ReferralReasons.TooLittleContent], json.GetProperty("refer_reasons").EnumerateArray().Select(r => r.GetString()));
        Assert.True(gate.GetProperty("present").GetBoolean());
        Assert.Equal(ReferralGate.MahalanobisMethod, gate.GetProperty("method").GetString());
        Assert.Equal(1e12, gate.GetProperty("ood_threshold").GetDouble());
        Assert.Equal(0.98, gate.GetProperty("coverage").GetDouble());
        Assert.Equal(1000, gate.GetProperty("quality").GetProperty("min_side").GetInt32());
    }

    [Fact]
    public async Task A_model_without_a_gate_still_classifies_never_refers_and_says_so()
    {
        using var api = await ServeAsync(TestModels.ComposeWithoutGate(TestModels.RandomHead(seed: 7)), card => card with { ReferralGate = null });
        var client = api.CreateClient();

        var json = await ApiAssert.OkJsonAsync(await client.PostAsync("/predict", Forms.Image(TestImages.Jpeg(seed: 303))));
        using var explain = await client.PostAsync("/explain", Forms.Image(TestImages.Jpeg(seed: 303)));
        var gate = (await ApiAssert.OkJsonAsync(await client.GetAsync("/model"))).GetProperty("referral_gate");

        Assert.False(json.GetProperty("refer").GetBoolean());
        Assert.Equal(0, json.GetProperty("refer_reasons").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("ood_score").ValueKind);
        Assert.Equal("false", Assert.Single(explain.Headers.GetValues("X-Refer")));
        Assert.False(explain.Headers.Contains("X-Ood-Score"));
        Assert.False(gate.GetProperty("present").GetBoolean());
        Assert.Contains("before referral gates existed", gate.GetProperty("absence").GetString());
        Assert.Equal("Degraded", await client.GetStringAsync("/health"));
    }

    [Fact]
    public async Task A_card_gate_over_a_model_file_without_the_score_is_not_trusted()
    {
        using var api = await ServeAsync(TestModels.ComposeWithoutGate(TestModels.RandomHead(seed: 8)), card => card);
        var client = api.CreateClient();

        var gate = (await ApiAssert.OkJsonAsync(await client.GetAsync("/model"))).GetProperty("referral_gate");

        Assert.False(gate.GetProperty("present").GetBoolean());
        Assert.Contains("computes no out-of-distribution score", gate.GetProperty("absence").GetString());
        Assert.Equal("Degraded", await client.GetStringAsync("/health"));
    }
}

public sealed class ClassMixWindowTests
{
    private static readonly Dictionary<string, double> Even = new() { ["Benign"] = 0.25, ["Early"] = 0.25, ["Pre"] = 0.25, ["Pro"] = 0.25 };

    [Fact]
    public void The_training_mix_itself_has_no_drift_and_one_class_only_has_a_large_index()
    {
        var window = new ClassMixWindow(8);
        foreach (var name in new[] { "Benign", "Early", "Pre", "Pro", "Benign", "Early", "Pre", "Pro" })
        {
            window.Add(name);
        }

        Assert.Equal(0, window.PopulationStabilityIndex(Even, minimum: 8)!.Value, 10);
        for (var i = 0; i < 8; i++)
        {
            window.Add("Pre");
        }

        // Only the last 8 count: all Pre. (1 − .25)·ln(1/.25) + 3·(1e-4 − .25)·ln(1e-4/.25)
        var expected = (0.75 * Math.Log(4)) + (3 * (1e-4 - 0.25) * Math.Log(1e-4 / 0.25));
        Assert.Equal(expected, window.PopulationStabilityIndex(Even, minimum: 8)!.Value, 6);
    }

    [Fact]
    public void No_index_without_a_reference_mix_or_before_enough_predictions()
    {
        var window = new ClassMixWindow(500);
        window.Add("Pre");

        Assert.Null(window.PopulationStabilityIndex(Even, minimum: 2));
        Assert.Null(window.PopulationStabilityIndex(new Dictionary<string, double>(), minimum: 1));
    }
}
