using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace AllClassifier.Fuzz;

/// <summary>
/// Small valid uploads of every accepted format, drawn here from a seed (never dataset images): small, so that
/// each fuzzing execution is fast, and varied in encoding so the fuzzer starts from each decoder's main paths.
/// </summary>
public static class SeedCorpus
{
    public static IReadOnlyList<(string Name, byte[] Body)> Build() =>
    [
        Seed("baseline.jpg", "image/jpeg", new JpegEncoder { Quality = 85 }),
        Seed("subsampled.jpg", "image/jpeg", new JpegEncoder { Quality = 50, ColorType = JpegColorType.YCbCrRatio420 }),
        Seed("rgb.png", "image/png", new PngEncoder { ColorType = PngColorType.Rgb }),
        Seed("palette.png", "image/png", new PngEncoder { ColorType = PngColorType.Palette }),
        Seed("interlaced.png", "image/png", new PngEncoder { InterlaceMethod = PngInterlaceMode.Adam7 }),
        Seed("24bit.bmp", "image/bmp", new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 }),
        Seed("8bit.bmp", "image/bmp", new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel8 }),
    ];

    public static int Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var seeds = Build();
        foreach (var (name, body) in seeds)
        {
            File.WriteAllBytes(Path.Combine(directory, name + ".multipart"), body);
        }

        return seeds.Count;
    }

    private static (string, byte[]) Seed(string fileName, string contentType, IImageEncoder encoder)
    {
        using var image = new Image<Rgb24>(32, 24);
        var random = new Random(fileName.Length);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    // A smooth gradient with a little noise: compressible like a smear, not a flat block.
                    row[x] = new Rgb24((byte)((x * 8) + random.Next(8)), (byte)((y * 10) + random.Next(8)), (byte)(128 + random.Next(16)));
                }
            }
        });
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return (fileName, UploadPath.Body(stream.ToArray(), fileName, contentType));
    }
}
