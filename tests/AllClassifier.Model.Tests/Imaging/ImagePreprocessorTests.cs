using AllClassifier.Model.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace AllClassifier.Model.Tests.Imaging;

public sealed class ImagePreprocessorTests
{
    private readonly ImagePreprocessor _preprocessor = new();

    [Fact]
    public void Tensor_is_planar_rgb_in_0_255()
    {
        using var image = new Image<Rgb24>(224, 224, new Rgb24(10, 20, 30));
        image[5, 7] = new Rgb24(200, 100, 50);

        var tensor = _preprocessor.ToTensor(Encode(image, new PngEncoder()));

        const int plane = 224 * 224;
        Assert.Equal(ImagePreprocessor.TensorLength, tensor.Length);
        Assert.Equal(10f, tensor[0]);
        Assert.Equal(20f, tensor[plane]);
        Assert.Equal(30f, tensor[2 * plane]);
        var index = (7 * 224) + 5;
        Assert.Equal(200f, tensor[index]);
        Assert.Equal(100f, tensor[plane + index]);
        Assert.Equal(50f, tensor[(2 * plane) + index]);
    }

    [Fact]
    public void Inspected_bytes_preprocess_into_a_given_buffer_as_to_tensor_does()
    {
        using var image = new Image<Rgb24>(300, 260, new Rgb24(90, 60, 30));
        image[150, 130] = new Rgb24(1, 2, 3);
        var bytes = Encode(image, new JpegEncoder());
        var buffer = new float[ImagePreprocessor.TensorLength];

        _preprocessor.Inspect(bytes);
        _preprocessor.WriteInspectedTensor(bytes, buffer);

        Assert.Equal(_preprocessor.ToTensor(bytes), buffer);
    }

    [Fact]
    public void Other_sizes_are_resized_by_shorter_side_and_centre_cropped()
    {
        // Left and right thirds red, centre blue: after the centre crop of a 3:1 image only blue remains.
        using var image = new Image<Rgb24>(672, 224, new Rgb24(255, 0, 0));
        for (var y = 0; y < 224; y++)
        {
            for (var x = 224; x < 448; x++)
            {
                image[x, y] = new Rgb24(0, 0, 255);
            }
        }

        using var resized = _preprocessor.LoadResized(Encode(image, new PngEncoder()));

        Assert.Equal(224, resized.Width);
        Assert.Equal(224, resized.Height);
        Assert.Equal(new Rgb24(0, 0, 255), resized[112, 112]);
        Assert.True(resized[2, 112].B > 200);
    }

    [Fact]
    public void Inspect_reports_format_and_dimensions_from_the_header()
    {
        using var image = new Image<Rgb24>(300, 200);
        var header = _preprocessor.Inspect(Encode(image, new JpegEncoder()));

        Assert.Equal("JPEG", header.Format);
        Assert.Equal(300, header.Width);
        Assert.Equal(200, header.Height);
    }

    [Fact]
    public void Empty_file_is_rejected()
    {
        var error = Assert.Throws<ImageRejectedException>(() => _preprocessor.ToTensor([]));
        Assert.Equal(ImageRejection.Empty, error.Reason);
    }

    [Fact]
    public void Text_and_gif_are_unsupported_formats()
    {
        using var image = new Image<Rgb24>(32, 32);
        Assert.Equal(ImageRejection.UnsupportedFormat,
            Assert.Throws<ImageRejectedException>(() => _preprocessor.ToTensor("hello, not an image"u8.ToArray())).Reason);
        Assert.Equal(ImageRejection.UnsupportedFormat,
            Assert.Throws<ImageRejectedException>(() => _preprocessor.ToTensor(Encode(image, new GifEncoder()))).Reason);
    }

    [Fact]
    public void Truncated_png_is_corrupt()
    {
        using var image = new Image<Rgb24>(224, 224, new Rgb24(1, 2, 3));
        var bytes = Encode(image, new PngEncoder());

        var error = Assert.Throws<ImageRejectedException>(() => _preprocessor.ToTensor(bytes[..(bytes.Length / 2)]));

        Assert.Equal(ImageRejection.Corrupt, error.Reason);
    }

    [Fact]
    public void Header_claiming_huge_dimensions_is_refused_before_decoding()
    {
        // A valid PNG signature and IHDR claiming 100000 x 100000 pixels, with no pixel data at all.
        var png = PngWithDimensions(100_000, 100_000);

        var error = Assert.Throws<ImageRejectedException>(() => _preprocessor.Inspect(png));

        Assert.Equal(ImageRejection.DimensionsTooLarge, error.Reason);
        Assert.Contains("100000x100000", error.Message);
    }

    [Fact]
    public void Tiny_images_are_refused()
    {
        using var image = new Image<Rgb24>(4, 4);
        var error = Assert.Throws<ImageRejectedException>(() => _preprocessor.Inspect(Encode(image, new PngEncoder())));
        Assert.Equal(ImageRejection.DimensionsTooSmall, error.Reason);
    }

    private static byte[] Encode(Image image, SixLabors.ImageSharp.Formats.IImageEncoder encoder)
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    private static byte[] PngWithDimensions(int width, int height)
    {
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // truecolour
        using var stream = new MemoryStream();
        stream.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(stream, "IHDR"u8, ihdr);
        WriteChunk(stream, "IEND"u8, []);
        return stream.ToArray();
    }

    private static void WriteChunk(Stream stream, ReadOnlySpan<byte> type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        stream.Write(length);
        stream.Write(type);
        stream.Write(data);
        var crc = System.IO.Hashing.Crc32.HashToUInt32([.. type, .. data]);
        Span<byte> crcBytes = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(crcBytes, crc);
        stream.Write(crcBytes);
    }
}
