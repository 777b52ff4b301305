using AllClassifier.Model.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AllClassifier.Model.Tests.Imaging;

/// <summary>The imaging counters run alone: the listener hears every thread of the process.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ImagingCountsCollection
{
    public const string Name = "imaging counts";
}

[Collection(ImagingCountsCollection.Name)]
public sealed class ImagingMetricsTests
{
    private static readonly byte[] Png = Encode();

    [Fact]
    public void A_header_check_reads_the_header_only_and_a_checked_decode_does_not_read_it_again()
    {
        var preprocessor = new ImagePreprocessor();
        using var counts = new ImagingCounts();

        var header = preprocessor.Inspect(Png);
        var inspected = counts.Now;
        using (preprocessor.LoadInspected(Png))
        {
        }

        var decoded = counts.Now - inspected;
        preprocessor.ToTensor(Png);
        var tensor = counts.Now - inspected - decoded;
        ImageHash.Sha256(Png);

        Assert.Equal((300, 200), (header.Width, header.Height));
        Assert.Equal(new ImageWork(1, 0, 0), inspected);
        Assert.Equal(new ImageWork(0, 1, 0), decoded);
        Assert.Equal(new ImageWork(1, 1, 0), tensor);
        Assert.Equal(new ImageWork(2, 2, 1), counts.Now);
    }

    private static byte[] Encode()
    {
        using var image = new Image<Rgb24>(300, 200, new Rgb24(90, 40, 120));
        using var output = new MemoryStream();
        image.SaveAsPng(output);
        return output.ToArray();
    }
}
