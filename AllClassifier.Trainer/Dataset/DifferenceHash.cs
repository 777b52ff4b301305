using System.Numerics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AllClassifier.Trainer.Dataset;

/// <summary>
/// A 64-bit difference hash (dHash): the image shrunk to 9x8 grey pixels, one bit per horizontal neighbour pair
/// saying whether brightness rises. Re-captured frames of one field (a small shift, refocus or sensor noise) differ
/// in a few bits; unrelated fields in about half of them.
/// </summary>
public static class DifferenceHash
{
    private const int Width = 9;
    private const int Height = 8;

    public static ulong Of(Image<Rgb24> image)
    {
        using var small = image.Clone(context => context.Resize(Width, Height, KnownResamplers.Box).Grayscale());
        ulong hash = 0;
        small.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < Width - 1; x++)
                {
                    hash = (hash << 1) | (row[x + 1].R > row[x].R ? 1UL : 0UL);
                }
            }
        });
        return hash;
    }

    public static int Distance(ulong first, ulong second) => BitOperations.PopCount(first ^ second);
}
