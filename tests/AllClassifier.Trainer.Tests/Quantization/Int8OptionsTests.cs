using AllClassifier.Trainer.Quantization;

namespace AllClassifier.Trainer.Tests.Quantization;

public sealed class Int8OptionsTests
{
    [Theory]
    [InlineData(0.900, 0.900, true)]
    [InlineData(0.900, 0.9005, true)]
    [InlineData(0.900, 0.8970, true)]
    [InlineData(0.900, 0.8969, false)]
    [InlineData(0.900, 0.500, false)]
    public void Int8_is_served_only_within_0_3_points_of_fp32_macro_f1(double fp32, double int8, bool served) =>
        Assert.Equal(served, new Int8Options().Accepts(fp32, int8));
}
