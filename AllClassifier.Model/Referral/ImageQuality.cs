using System.Buffers;
using System.Numerics.Tensors;

namespace AllClassifier.Model.Referral;

/// <summary>
/// Model-free image statistics of one preprocessed image (the model's 224×224 planar RGB 0..255 input) and the size of
/// the upload it came from: what the referral gate's quality checks compare with the ranges seen in training.
/// </summary>
/// <param name="Focus">Variance of the 4-neighbour Laplacian of the luminance: sharp edges of nuclei and cell borders
/// give high values, defocus and upscaled tiny crops low ones.</param>
/// <param name="MeanLuminance">Mean luminance (Rec. 601 weights), 0..255.</param>
/// <param name="BrightFraction">Share of pixels whose luminance is at or above <see cref="ImageQuality.BrightLevel"/>.</param>
/// <param name="DarkFraction">Share of pixels whose luminance is at or below <see cref="ImageQuality.DarkLevel"/>.</param>
/// <param name="Contrast">Standard deviation of the luminance: near zero for a blank or uniformly coloured image.</param>
/// <param name="RedChromaticity">Mean R/(R+G+B): with <paramref name="BlueChromaticity"/>, where the stain's colour sits.</param>
/// <param name="BlueChromaticity">Mean B/(R+G+B).</param>
/// <param name="Saturation">Mean (max − min)/max over the pixels: how strongly coloured the image is.</param>
/// <param name="MinSide">The shorter side of the uploaded image in pixels, before resizing.</param>
public sealed record ImageQuality(
    double Focus,
    double MeanLuminance,
    double BrightFraction,
    double DarkFraction,
    double Contrast,
    double RedChromaticity,
    double BlueChromaticity,
    double Saturation,
    int MinSide)
{
    /// <summary>Luminance counted as blown out (over-exposure clips to white).</summary>
    public const double BrightLevel = 250;

    /// <summary>Luminance counted as black (under-exposure, black corners of a rotated image).</summary>
    public const double DarkLevel = 15;

    private const int Size = Imaging.ImagePreprocessor.Size;
    private const int Plane = Size * Size;

    /// <summary>
    /// Measures one tensor of <see cref="Imaging.ImagePreprocessor.TensorLength"/> floats: luminance and the Laplacian
    /// over every pixel, the colour statistics over every other row and column (means over 12,544 pixels are as
    /// stable as over 50,176, and the divisions they need are the expensive part).
    /// </summary>
    public static ImageQuality Measure(ReadOnlySpan<float> tensor, int width, int height)
    {
        if (tensor.Length < Imaging.ImagePreprocessor.TensorLength)
        {
            throw new ArgumentException($"Expected {Imaging.ImagePreprocessor.TensorLength} floats.", nameof(tensor));
        }

        var red = tensor[..Plane];
        var green = tensor.Slice(Plane, Plane);
        var blue = tensor.Slice(2 * Plane, Plane);
        var luminance = ArrayPool<float>.Shared.Rent(Plane);
        try
        {
            return Measure(red, green, blue, luminance, width, height);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(luminance);
        }
    }

    private static ImageQuality Measure(
        ReadOnlySpan<float> red, ReadOnlySpan<float> green, ReadOnlySpan<float> blue, float[] buffer, int width, int height)
    {
        var luminance = buffer.AsSpan(0, Plane);
        TensorPrimitives.Multiply(red, 0.299f, luminance);
        TensorPrimitives.MultiplyAdd(green, 0.587f, luminance, luminance);
        TensorPrimitives.MultiplyAdd(blue, 0.114f, luminance, luminance);
        double sum = TensorPrimitives.Sum<float>(luminance);
        double sumSquares = TensorPrimitives.SumOfSquares<float>(luminance);
        var bright = 0;
        var dark = 0;
        foreach (var y in luminance)
        {
            bright += y >= BrightLevel ? 1 : 0;
            dark += y <= DarkLevel ? 1 : 0;
        }

        double redShare = 0, blueShare = 0, saturation = 0;
        var sampled = 0;
        for (var row = 0; row < Size; row += 2)
        {
            for (var column = 0; column < Size; column += 2)
            {
                var i = (row * Size) + column;
                float r = red[i], g = green[i], b = blue[i];
                sampled++;
                var total = r + g + b;
                if (total > 0)
                {
                    redShare += r / total;
                    blueShare += b / total;
                }
                else
                {
                    // Black carries no colour: counted as grey so it does not pull the stain statistics.
                    redShare += 1.0 / 3;
                    blueShare += 1.0 / 3;
                }

                var max = Math.Max(r, Math.Max(g, b));
                var min = Math.Min(r, Math.Min(g, b));
                saturation += max > 0 ? (max - min) / max : 0;
            }
        }

        var mean = sum / Plane;
        var variance = Math.Max(0, (sumSquares / Plane) - (mean * mean));

        // The Laplacian's variance over the interior pixels, the usual no-reference focus measure, a row at a time.
        double lapSum = 0, lapSquares = 0;
        Span<float> laplacian = stackalloc float[Size - 2];
        for (var row = 1; row < Size - 1; row++)
        {
            var centre = luminance.Slice((row * Size) + 1, Size - 2);
            TensorPrimitives.Add(luminance.Slice(row * Size, Size - 2), luminance.Slice((row * Size) + 2, Size - 2), laplacian);
            TensorPrimitives.Add(laplacian, luminance.Slice(((row - 1) * Size) + 1, Size - 2), laplacian);
            TensorPrimitives.Add(laplacian, luminance.Slice(((row + 1) * Size) + 1, Size - 2), laplacian);
            TensorPrimitives.MultiplyAdd(centre, -4f, laplacian, laplacian);
            lapSum += TensorPrimitives.Sum<float>(laplacian);
            lapSquares += TensorPrimitives.SumOfSquares<float>(laplacian);
        }

        const int interior = (Size - 2) * (Size - 2);
        var lapMean = lapSum / interior;
        return new ImageQuality(
            Math.Max(0, (lapSquares / interior) - (lapMean * lapMean)),
            mean,
            (double)bright / Plane,
            (double)dark / Plane,
            Math.Sqrt(variance),
            redShare / sampled,
            blueShare / sampled,
            saturation / sampled,
            Math.Min(width, height));
    }
}
