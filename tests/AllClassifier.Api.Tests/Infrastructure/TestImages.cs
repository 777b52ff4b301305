using AllClassifier.Model;
using AllClassifier.Training.Synthetic;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace AllClassifier.Api.Tests.Infrastructure;

/// <summary>Seeded smear pictures from the Model library's generator, encoded in every format the tests need.</summary>
public static class TestImages
{
    public static Image<Rgb24> Smear(int seed, int width = SmearGenerator.ImageSize, int height = SmearGenerator.ImageSize)
    {
        if (width == SmearGenerator.ImageSize && height == SmearGenerator.ImageSize)
        {
            return new SmearGenerator(seed).Generate(CellClasses.All[seed % CellClasses.Count], index: seed);
        }

        return Blobs(seed, width, height);
    }

    /// <summary>Any size: a pale background with dark round cells.</summary>
    private static Image<Rgb24> Blobs(int seed, int width, int height)
    {
        var random = new Random(seed);
        var image = new Image<Rgb24>(width, height, new Rgb24(235, 210, 220));
        var cells = Enumerable.Range(0, 6 + random.Next(6))
            .Select(_ => (X: random.Next(width), Y: random.Next(height), R: 10 + random.Next(30), Shade: (byte)(60 + random.Next(100))))
            .ToList();
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    foreach (var cell in cells)
                    {
                        var dx = x - cell.X;
                        var dy = y - cell.Y;
                        if ((dx * dx) + (dy * dy) < cell.R * cell.R)
                        {
                            row[x] = new Rgb24(cell.Shade, (byte)(cell.Shade / 2), (byte)(cell.Shade + 60));
                        }
                    }
                }
            }
        });
        return image;
    }

    public static byte[] Jpeg(int seed, int width = SmearGenerator.ImageSize, int height = SmearGenerator.ImageSize) => Encode(seed, new JpegEncoder { Quality = 90 }, width, height);

    public static byte[] Png(int seed) => Encode(seed, new PngEncoder());

    public static byte[] Bmp(int seed) => Encode(seed, new BmpEncoder());

    public static byte[] Gif(int seed) => Encode(seed, new GifEncoder());

    public static byte[] Tiff(int seed) => Encode(seed, new TiffEncoder());

    public static byte[] Webp(int seed) => Encode(seed, new WebpEncoder());

    private static byte[] Encode(int seed, SixLabors.ImageSharp.Formats.IImageEncoder encoder, int width = SmearGenerator.ImageSize, int height = SmearGenerator.ImageSize)
    {
        using var image = Smear(seed, width, height);
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }
}
