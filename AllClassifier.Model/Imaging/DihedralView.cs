using System.Security.Cryptography;
using System.Text;

namespace AllClassifier.Model.Imaging;

/// <summary>
/// The eight symmetries of a square image (rotations by quarter turns and mirror images), applied to the planar
/// 224x224 RGB tensor. Blood cells have no orientation, so each view is an equally valid training example, and a
/// model's answers on several views can be averaged at serving (test-time augmentation). View 0 is the image as it is.
/// </summary>
public static class DihedralView
{
    public const int Identity = 0;
    public const int Rotate90 = 1;
    public const int Rotate180 = 2;
    public const int Rotate270 = 3;
    public const int FlipHorizontal = 4;
    public const int FlipVertical = 5;
    public const int Transpose = 6;
    public const int AntiTranspose = 7;
    public const int Count = 8;

    /// <summary>The view counts test-time augmentation allows; 1 scores the image as it is.</summary>
    public static IReadOnlyList<int> TestTimeViewCounts { get; } = [1, 2, 4, 8];

    // Each prefix of 2 and 4 is a subgroup (a mirror; both mirrors and the half turn), so a count's views are the same
    // set whichever of them the image arrives in.
    private static readonly int[] TestTimeOrder =
        [Identity, FlipHorizontal, FlipVertical, Rotate180, Rotate90, Rotate270, Transpose, AntiTranspose];

    /// <summary>The views test-time augmentation scores for <paramref name="count"/> (one of <see cref="TestTimeViewCounts"/>).</summary>
    public static IReadOnlyList<int> TestTimeViews(int count)
    {
        if (!TestTimeViewCounts.Contains(count))
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "Test-time augmentation scores 1, 2, 4 or 8 views.");
        }

        return TestTimeOrder[..count];
    }

    /// <summary>Writes view <paramref name="view"/> of <paramref name="source"/> (rotations are clockwise).</summary>
    public static void Apply(ReadOnlySpan<float> source, Span<float> destination, int view)
    {
        const int size = ImagePreprocessor.Size;
        const int plane = size * size;
        const int last = size - 1;
        if (source.Length != ImagePreprocessor.TensorLength || destination.Length != ImagePreprocessor.TensorLength)
        {
            throw new ArgumentException($"Both tensors need {ImagePreprocessor.TensorLength} floats.");
        }

        if (view is < 0 or >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(view), view, "A dihedral view is 0..7.");
        }

        if (view == Identity)
        {
            source.CopyTo(destination);
            return;
        }

        for (var channel = 0; channel < 3; channel++)
        {
            var from = source.Slice(channel * plane, plane);
            var to = destination.Slice(channel * plane, plane);
            for (var y = 0; y < size; y++)
            {
                for (var x = 0; x < size; x++)
                {
                    // destination(y, x) = source(sy, sx)
                    var (sy, sx) = view switch
                    {
                        Rotate90 => (last - x, y),
                        Rotate180 => (last - y, last - x),
                        Rotate270 => (x, last - y),
                        FlipHorizontal => (y, last - x),
                        FlipVertical => (last - y, x),
                        Transpose => (x, y),
                        _ => (last - x, last - y),
                    };
                    to[(y * size) + x] = from[(sy * size) + sx];
                }
            }
        }
    }

    /// <summary>
    /// <paramref name="count"/> distinct non-identity views for one image, chosen by SHA-256(seed ‖ content hash)
    /// so the same image gets the same views on every run with the same seed.
    /// </summary>
    public static IReadOnlyList<int> AugmentationViews(string sha256, int seed, int count)
    {
        count = Math.Clamp(count, 0, Count - 1);
        var key = SHA256.HashData(Encoding.UTF8.GetBytes($"augment|{seed}|{sha256.ToLowerInvariant()}"));
        return Enumerable.Range(1, Count - 1)
            .OrderBy(view => key[view])
            .ThenBy(view => view)
            .Take(count)
            .ToList();
    }
}
