using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AllClassifier.Trainer.Tests.Referral;

/// <summary>
/// Seeded images that are nothing like a smear, as PNG bytes: uniform squares (stain-coloured, blank, black), colour
/// noise, a gradient, a checkerboard, stripes and a "text page" of dark bars on white.
/// </summary>
public static class Junk
{
    public static IEnumerable<byte[]> Images(int seed)
    {
        var random = new Random(seed);
        yield return Png((_, _) => new Rgb24(200, 150, 190));
        yield return Png((_, _) => new Rgb24(250, 250, 250));
        yield return Png((_, _) => new Rgb24(4, 4, 4));
        yield return Png((_, _) => new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
        yield return Png((_, _) => new Rgb24((byte)random.Next(256), 0, (byte)random.Next(256)));
        yield return Png((x, y) => new Rgb24((byte)x, (byte)y, 128));
        yield return Png((x, y) => ((x / 16) + (y / 16)) % 2 == 0 ? new Rgb24(20, 20, 20) : new Rgb24(235, 235, 235));
        yield return Png((_, y) => y / 8 % 2 == 0 ? new Rgb24(30, 90, 200) : new Rgb24(240, 200, 40));
        yield return Png((x, y) => y % 20 < 8 && x is > 16 and < 200 && (x / 6) % 5 != 0 ? new Rgb24(10, 10, 10) : new Rgb24(252, 252, 248));
        yield return Png((x, y) => new Rgb24((byte)(x ^ y), (byte)(x * 3), (byte)(y * 5)));
    }

    private static byte[] Png(Func<int, int, Rgb24> pixelAt)
    {
        using var image = new Image<Rgb24>(224, 224);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    row[x] = pixelAt(x, y);
                }
            }
        });
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }
}
