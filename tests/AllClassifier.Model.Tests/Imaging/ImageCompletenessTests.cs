using System.Buffers.Binary;
using AllClassifier.Model.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace AllClassifier.Model.Tests.Imaging;

public sealed class ImageCompletenessTests
{
    private readonly ImagePreprocessor _preprocessor = new();

    [Theory]
    [InlineData("jpeg")]
    [InlineData("png")]
    [InlineData("bmp")]
    public void Whole_files_pass_and_files_cut_short_are_refused_as_corrupt(string format)
    {
        var bytes = Encode(format);

        Assert.Equal(64, _preprocessor.Inspect(bytes).Width);
        _preprocessor.LoadResized(bytes).Dispose();
        foreach (var fraction in new[] { 0.3, 0.6, 0.95, 0.999 })
        {
            var cut = bytes[..(int)(bytes.Length * fraction)];
            AssertCorrupt(cut);
        }
    }

    [Fact]
    public void A_png_cut_short_is_refused_even_when_it_ends_with_the_bytes_IEND()
    {
        var png = Encode("png");
        var cut = png[..(png.Length / 2)];

        AssertCorrupt([.. cut, .. "IEND"u8]);
        AssertCorrupt([.. cut, .. png[^12..]]);
    }

    [Fact]
    public void A_png_with_bytes_after_its_IEND_chunk_is_refused()
    {
        var png = Encode("png");

        AssertCorrupt([.. png, 0, 0, 0, 0]);
    }

    [Fact]
    public void A_cut_bmp_is_refused_when_its_file_size_field_was_left_zero()
    {
        var bmp = Encode("bmp");
        BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(2), 0);
        _preprocessor.LoadResized(bmp).Dispose();

        AssertCorrupt(bmp[..^64]);
    }

    [Fact]
    public void A_bmp_whose_header_claims_more_bytes_than_the_file_holds_is_refused()
    {
        var bmp = Encode("bmp");
        BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(2), (uint)bmp.Length + 1);

        AssertCorrupt(bmp);
    }

    private void AssertCorrupt(byte[] bytes)
    {
        var rejection = Assert.Throws<ImageRejectedException>(() => _preprocessor.LoadResized(bytes));
        Assert.Equal(ImageRejection.Corrupt, rejection.Reason);
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
        switch (format)
        {
            case "png":
                image.Save(stream, new PngEncoder());
                break;
            case "bmp":
                image.Save(stream, new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 });
                break;
            default:
                image.Save(stream, new JpegEncoder { Quality = 90 });
                break;
        }

        return stream.ToArray();
    }
}
