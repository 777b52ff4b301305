using AllClassifier.Model.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace AllClassifier.Model.Tests.Imaging;

public sealed class ImageCompletenessTests
{
    [Theory]
    [InlineData("jpeg")]
    [InlineData("png")]
    public void Whole_files_pass_and_files_cut_short_are_refused_as_corrupt(string format)
    {
        var bytes = Encode(format);
        var preprocessor = new ImagePreprocessor();

        Assert.Equal(64, preprocessor.Inspect(bytes).Width);
        foreach (var fraction in new[] { 0.3, 0.6, 0.95 })
        {
            var cut = bytes[..(int)(bytes.Length * fraction)];
            var rejection = Assert.Throws<ImageRejectedException>(() => preprocessor.LoadResized(cut));
            Assert.Equal(ImageRejection.Corrupt, rejection.Reason);
        }
    }

    private static byte[] Encode(string format)
    {
        using var image = new Image<Rgb24>(64, 48);
        var random = new Random(5);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                foreach (ref var pixel in rows.GetRowSpan(y))
                {
                    pixel = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                }
            }
        });
        using var stream = new MemoryStream();
        if (format == "png")
        {
            image.Save(stream, new PngEncoder());
        }
        else
        {
            image.Save(stream, new JpegEncoder { Quality = 90 });
        }

        return stream.ToArray();
    }
}
