using AllClassifier.Model.Imaging;
using AllClassifier.Model.Referral;
using AllClassifier.Model.Registry;

namespace AllClassifier.Model.Tests.Referral;

public sealed class ReferralGateTests
{
    private static readonly QualityLimits Limits = new()
    {
        MinFocus = 10,
        MinMeanLuminance = 60,
        MaxMeanLuminance = 230,
        MaxBrightFraction = 0.3,
        MaxDarkFraction = 0.05,
        MinContrast = 5,
        MinSide = 56,
        MinRedChromaticity = 0.3,
        MaxRedChromaticity = 0.45,
        MinBlueChromaticity = 0.3,
        MaxBlueChromaticity = 0.45,
        MinSaturation = 0.05,
        MaxSaturation = 0.6,
    };

    private static readonly ReferralGate Gate = new() { OodThreshold = 100, Coverage = 0.99, Quality = Limits };

    private static readonly ImageQuality Good = new(50, 180, 0.01, 0, 30, 0.36, 0.36, 0.2, 224);

    [Fact]
    public void A_good_image_under_the_threshold_is_not_referred_and_keeps_its_score()
    {
        var decision = Gate.Decide(Good, 99.5);

        Assert.False(decision.Refer);
        Assert.Empty(decision.Reasons);
        Assert.Equal(99.5, decision.OodScore);
    }

    [Theory]
    [InlineData(100.5, ReferralReasons.UnlikeTrainingImages)]
    [InlineData(double.NaN, ReferralReasons.UnlikeTrainingImages)]
    public void A_score_over_the_threshold_or_none_at_all_is_unlike_the_training_images(double score, string reason)
    {
        var decision = Gate.Decide(Good, score);

        Assert.True(decision.Refer);
        Assert.Equal([reason], decision.Reasons);
    }

    public static TheoryData<ImageQuality, string> QualityFailures => new()
    {
        { Good with { Focus = 2 }, ReferralReasons.OutOfFocus },
        { Good with { MeanLuminance = 240 }, ReferralReasons.OverExposed },
        { Good with { BrightFraction = 0.5 }, ReferralReasons.OverExposed },
        { Good with { MeanLuminance = 40 }, ReferralReasons.UnderExposed },
        { Good with { DarkFraction = 0.2 }, ReferralReasons.UnderExposed },
        { Good with { Contrast = 1 }, ReferralReasons.TooLittleContent },
        { Good with { MinSide = 20 }, ReferralReasons.TooLittleContent },
        { Good with { RedChromaticity = 0.5 }, ReferralReasons.UnusualStain },
        { Good with { BlueChromaticity = 0.2 }, ReferralReasons.UnusualStain },
        { Good with { Saturation = 0.01 }, ReferralReasons.UnusualStain },
    };

    [Theory]
    [MemberData(nameof(QualityFailures))]
    public void Each_quality_limit_refers_with_its_own_reason(ImageQuality quality, string reason)
    {
        var decision = Gate.Decide(quality, 1);

        Assert.True(decision.Refer);
        Assert.Equal([reason], decision.Reasons);
    }

    [Fact]
    public void Every_failing_check_adds_its_reason_once_in_code_order()
    {
        var decision = Gate.Decide(Good with { Focus = 0, Contrast = 0, MinSide = 16 }, 1e6);

        Assert.Equal([ReferralReasons.UnlikeTrainingImages, ReferralReasons.OutOfFocus, ReferralReasons.TooLittleContent], decision.Reasons);
    }

    [Fact]
    public void An_absent_gate_refers_nothing_and_gives_no_score()
    {
        var absent = ReferralGate.Absent("trained before gates");

        Assert.Equal(ReferralDecision.NoGate, absent.Decide(Good with { Focus = 0 }, 1e9));
        Assert.Null(absent.Decide(Good, 1).OodScore);
        Assert.Contains("trained before gates", absent.Describe());
    }

    [Fact]
    public void The_card_round_trips_the_gate_in_snake_case()
    {
        var card = new ModelCard
        {
            RunId = "r",
            Metrics = new EvaluationMetrics(),
            TrainingDataHash = "h",
            ReferralGate = Gate with { TestReferralRate = 0.012, TestCount = 500 },
            TrainingClassMix = new Dictionary<string, double> { ["Benign"] = 0.2, ["Pre"] = 0.8 },
        };

        var json = card.ToJson();
        var read = ModelCard.FromJson(json);

        Assert.Contains("\"referral_gate\"", json);
        Assert.Contains("\"ood_threshold\": 100", json);
        Assert.Contains("\"min_focus\": 10", json);
        Assert.Contains("\"training_class_mix\"", json);
        Assert.Equal(card.ReferralGate, read.ReferralGate);
        Assert.Equal(0.8, read.TrainingClassMix["Pre"]);
    }
}

public sealed class ImageQualityTests
{
    private const int Plane = ImagePreprocessor.Size * ImagePreprocessor.Size;

    private static float[] Tensor(Func<int, int, (float R, float G, float B)> pixel)
    {
        var tensor = new float[ImagePreprocessor.TensorLength];
        for (var y = 0; y < ImagePreprocessor.Size; y++)
        {
            for (var x = 0; x < ImagePreprocessor.Size; x++)
            {
                var (r, g, b) = pixel(x, y);
                var i = (y * ImagePreprocessor.Size) + x;
                (tensor[i], tensor[Plane + i], tensor[(2 * Plane) + i]) = (r, g, b);
            }
        }

        return tensor;
    }

    [Fact]
    public void A_uniform_image_has_no_focus_or_contrast_and_its_colour_as_chromaticity()
    {
        var quality = ImageQuality.Measure(Tensor((_, _) => (200, 100, 100)), 300, 200);

        Assert.Equal(0, quality.Focus, 6);
        Assert.Equal(0, quality.Contrast, 3);
        Assert.Equal(0.5, quality.RedChromaticity, 4);
        Assert.Equal(0.25, quality.BlueChromaticity, 4);
        Assert.Equal(0.5, quality.Saturation, 4);
        Assert.Equal(200, quality.MinSide);
        Assert.Equal((0.299 * 200) + (0.587 * 100) + (0.114 * 100), quality.MeanLuminance, 2);
    }

    [Fact]
    public void Sharp_edges_score_higher_focus_than_the_same_edges_smoothed()
    {
        var sharp = ImageQuality.Measure(Tensor((x, _) => (x / 4 % 2 == 0 ? (40f, 40f, 40f) : (220f, 220f, 220f))), 224, 224);
        var smooth = ImageQuality.Measure(Tensor((x, _) =>
        {
            var v = 130 + (90 * (float)Math.Sin(x * Math.PI / 4));
            return (v, v, v);
        }), 224, 224);

        Assert.True(sharp.Focus > 5 * smooth.Focus, $"sharp {sharp.Focus}, smooth {smooth.Focus}");
    }

    [Fact]
    public void Blown_and_black_pixels_are_counted()
    {
        var quality = ImageQuality.Measure(Tensor((x, _) => x < 56 ? (255f, 255f, 255f) : x < 112 ? (0f, 0f, 0f) : (150f, 120f, 160f)), 224, 224);

        Assert.Equal(0.25, quality.BrightFraction, 3);
        Assert.Equal(0.25, quality.DarkFraction, 3);
    }
}
