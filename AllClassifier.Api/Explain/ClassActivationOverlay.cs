using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace AllClassifier.Api.Explain;

/// <summary>
/// Draws one class's activation map over the model's input: the coarse map is upsampled bilinearly to the image,
/// scaled to its own minimum and maximum (colours compare places within one image, not across images), coloured
/// with <see cref="Viridis"/> and alpha-blended over the pixels.
/// </summary>
public static class ClassActivationOverlay
{
    /// <summary>Weight of the colour map against the image: enough to read the map, little enough to see the cells.</summary>
    public const float Opacity = 0.5f;

    // The fastest deflate level with the Sub filter encodes about ten times faster than the defaults for about 8% more
    // bytes (≈ 80 KB), which matters more on a request path than the size does.
    private static readonly PngEncoder Encoder = new()
    {
        ColorType = PngColorType.Rgb,
        BitDepth = PngBitDepth.Bit8,
        CompressionLevel = PngCompressionLevel.BestSpeed,
        FilterMethod = PngFilterMethod.Sub,
    };

    public static byte[] RenderPng(Image<Rgb24> image, ReadOnlySpan<float> map, int mapSize)
    {
        if (map.Length != mapSize * mapSize)
        {
            throw new ArgumentException($"Expected a {mapSize}x{mapSize} map, got {map.Length} values.", nameof(map));
        }

        var scaled = Normalise(map);
        var width = image.Width;
        var height = image.Height;
        var pixels = new Rgb24[width * height];
        image.CopyPixelDataTo(pixels);
        for (var y = 0; y < height; y++)
        {
            var (row0, row1, fy) = Neighbours(y, height, mapSize);
            for (var x = 0; x < width; x++)
            {
                var (column0, column1, fx) = Neighbours(x, width, mapSize);
                var top = Lerp(scaled[(row0 * mapSize) + column0], scaled[(row0 * mapSize) + column1], fx);
                var bottom = Lerp(scaled[(row1 * mapSize) + column0], scaled[(row1 * mapSize) + column1], fx);
                var (r, g, b) = Viridis.At(Lerp(top, bottom, fy));
                ref var pixel = ref pixels[(y * width) + x];
                pixel = new Rgb24(Blend(pixel.R, r), Blend(pixel.G, g), Blend(pixel.B, b));
            }
        }

        using var overlay = Image.LoadPixelData<Rgb24>(pixels, width, height);
        using var stream = new MemoryStream();
        overlay.SaveAsPng(stream, Encoder);
        return stream.ToArray();
    }

    private static float[] Normalise(ReadOnlySpan<float> map)
    {
        var minimum = float.PositiveInfinity;
        var maximum = float.NegativeInfinity;
        foreach (var value in map)
        {
            minimum = Math.Min(minimum, value);
            maximum = Math.Max(maximum, value);
        }

        var range = maximum - minimum;
        var scaled = new float[map.Length];
        for (var i = 0; i < map.Length; i++)
        {
            scaled[i] = range > 0f ? (map[i] - minimum) / range : 0f;
        }

        return scaled;
    }

    /// <summary>
    /// The two map cells whose centres surround pixel <paramref name="pixel"/> and its fraction of the way between them;
    /// beyond the outermost centres the edge value holds.
    /// </summary>
    private static (int Lower, int Upper, float Fraction) Neighbours(int pixel, int pixels, int mapSize)
    {
        var position = Math.Clamp((((pixel + 0.5f) * mapSize) / pixels) - 0.5f, 0f, mapSize - 1);
        var lower = Math.Min((int)position, mapSize - 2);
        return (lower, lower + 1, position - lower);
    }

    private static float Lerp(float from, float to, float fraction) => from + ((to - from) * fraction);

    private static byte Blend(byte pixel, float colour) =>
        (byte)Math.Clamp((int)MathF.Round((pixel * (1f - Opacity)) + (colour * Opacity)), 0, 255);
}
