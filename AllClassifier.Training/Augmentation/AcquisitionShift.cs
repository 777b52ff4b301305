using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AllClassifier.Model.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AllClassifier.Training.Augmentation;

/// <summary>What differs when another lab captures a smear.</summary>
public enum AcquisitionShiftKind
{
    /// <summary>Stain colour and intensity: positive strength is cooler (less red, more blue) and brighter.</summary>
    Stain,

    /// <summary>Hue rotation of up to 12 degrees either way.</summary>
    Hue,

    /// <summary>Slightly out of focus: Gaussian blur of up to sigma 1 pixel.</summary>
    Blur,

    /// <summary>JPEG re-compression, quality 90 at strength 0 down to 30 at strength 1.</summary>
    Jpeg,

    /// <summary>Magnification 0.9x (strength -1) to 1.1x (strength 1) about the centre.</summary>
    Scale,
}

/// <summary>
/// One change of acquisition applied to a processed image, with a strength in -1..1 (Blur and Jpeg use 0..1),
/// optionally followed by another (<see cref="Then"/>). Used to augment training images at random strengths and to
/// measure accuracy under fixed shifts of unseen fields.
/// </summary>
public sealed record AcquisitionShift(AcquisitionShiftKind Kind, double Strength)
{
    /// <summary>The shift applied to this one's result, if any: another lab differs in several ways at once.</summary>
    public AcquisitionShift? Then { get; init; }

    /// <summary>The shifts the quality benchmark scores the test split under, each at the end of its range.</summary>
    public static IReadOnlyList<AcquisitionShift> Evaluation { get; } =
    [
        new(AcquisitionShiftKind.Stain, 1),
        new(AcquisitionShiftKind.Hue, 1),
        new(AcquisitionShiftKind.Blur, 1),
        new(AcquisitionShiftKind.Jpeg, 1),
        new(AcquisitionShiftKind.Scale, -1),
        new(AcquisitionShiftKind.Scale, 1),
    ];

    /// <summary>
    /// Stable identity of the shift, part of its features' cache key, e.g. <c>blur:1.000</c> or
    /// <c>scale:-0.420+hue:0.310+jpeg:0.770</c>.
    /// </summary>
    public string Key => string.Create(CultureInfo.InvariantCulture, $"{Kind.ToString().ToLowerInvariant()}:{Strength:F3}")
        + (Then is null ? "" : "+" + Then.Key);

    /// <summary>
    /// <paramref name="count"/> random training shifts for one image, drawn from SHA-256 of its content hash alone, so
    /// every seed and configuration asks for the same shifts and finds their features cached (and the first N of N + 1
    /// are the N). Each one changes all three things another lab's capture changes at once: magnification, then stain
    /// colour or hue, then focus or compression, each at a random strength. One kind per copy left most images without
    /// a magnification change, the shift the model was most sensitive to.
    /// </summary>
    public static IReadOnlyList<AcquisitionShift> Augmentations(string sha256, int count)
    {
        var key = SHA256.HashData(Encoding.UTF8.GetBytes($"shift|{sha256.ToLowerInvariant()}"));
        var random = new Random(BitConverter.ToInt32(key, 0));
        AcquisitionShift Draw(AcquisitionShiftKind kind)
        {
            var strength = Math.Round((random.NextDouble() * 2) - 1, 3);
            return new AcquisitionShift(kind, kind is AcquisitionShiftKind.Blur or AcquisitionShiftKind.Jpeg ? Math.Abs(strength) : strength);
        }

        return Enumerable.Range(0, count).Select(_ =>
        {
            var scale = Draw(AcquisitionShiftKind.Scale);
            var colour = Draw(random.Next(2) == 0 ? AcquisitionShiftKind.Stain : AcquisitionShiftKind.Hue);
            var optics = Draw(random.Next(2) == 0 ? AcquisitionShiftKind.Blur : AcquisitionShiftKind.Jpeg);
            return scale with { Then = colour with { Then = optics } };
        }).ToList();
    }

    /// <summary>The shifted image, encoded (PNG, or JPEG for re-compression) for the shared preprocessing.</summary>
    public byte[] Apply(byte[] image) => Then is null ? ApplyThis(image) : Then.Apply(ApplyThis(image));

    /// <summary>
    /// The shifted image in memory, a new image the caller disposes: the pixels that <see cref="Apply(byte[])"/>'s bytes
    /// decode to, without encoding and decoding between steps (PNG is lossless). A JPEG step still encodes and decodes,
    /// since its artefacts are the shift.
    /// </summary>
    public Image<Rgb24> Apply(Image<Rgb24> image)
    {
        var shifted = Kind == AcquisitionShiftKind.Jpeg ? ImagePreprocessor.DecodeOwn(Recompressed(image)) : Shifted(image);
        if (Then is null)
        {
            return shifted;
        }

        using (shifted)
        {
            return Then.Apply(shifted);
        }
    }

    private byte[] Recompressed(Image<Rgb24> image)
    {
        using var output = new MemoryStream();
        image.SaveAsJpeg(output, new JpegEncoder { Quality = (int)Math.Round(90 - (60 * Strength)) });
        return output.ToArray();
    }

    private byte[] ApplyThis(byte[] image)
    {
        using var original = ImagePreprocessor.DecodeOwn(image);
        if (Kind == AcquisitionShiftKind.Jpeg)
        {
            return Recompressed(original);
        }

        using var output = new MemoryStream();
        using var shifted = Shifted(original);
        shifted.SaveAsPng(output, new PngEncoder { CompressionLevel = PngCompressionLevel.BestSpeed });
        return output.ToArray();
    }

    private Image<Rgb24> Shifted(Image<Rgb24> image)
    {
        switch (Kind)
        {
            case AcquisitionShiftKind.Stain:
                var matrix = new ColorMatrix { M11 = (float)(1 - (0.1 * Strength)), M22 = 1, M33 = (float)(1 + (0.08 * Strength)), M44 = 1 };
                return image.Clone(context => context.Filter(matrix).Brightness((float)(1 + (0.12 * Strength))));
            case AcquisitionShiftKind.Hue:
                return image.Clone(context => context.Hue((float)(12 * Strength)));
            case AcquisitionShiftKind.Blur when Strength > 0:
                return image.Clone(context => context.GaussianBlur((float)Strength));
            case AcquisitionShiftKind.Scale:
                return Rescaled(image, 1 + (0.1 * Strength));
            default:
                return image.Clone();
        }
    }

    /// <summary>
    /// Magnified about the centre. A reduced image is framed by its own mirror image, which continues the smear the
    /// way the wider field of a real lower magnification would; a flat frame would be an edge no microscope makes.
    /// </summary>
    private static Image<Rgb24> Rescaled(Image<Rgb24> image, double factor)
    {
        var size = image.Size();
        var scaled = new Size((int)Math.Round(size.Width * factor), (int)Math.Round(size.Height * factor));
        if (factor >= 1)
        {
            return image.Clone(context => context
                .Resize(scaled, KnownResamplers.Triangle, compand: false)
                .Crop(new Rectangle((scaled.Width - size.Width) / 2, (scaled.Height - size.Height) / 2, size.Width, size.Height)));
        }

        using var reduced = image.Clone(context => context.Resize(scaled, KnownResamplers.Triangle, compand: false));
        var (left, top) = ((size.Width - scaled.Width) / 2, (size.Height - scaled.Height) / 2);
        var framed = new Image<Rgb24>(size.Width, size.Height);
        for (var y = 0; y < size.Height; y++)
        {
            for (var x = 0; x < size.Width; x++)
            {
                framed[x, y] = reduced[Mirror(x - left, scaled.Width), Mirror(y - top, scaled.Height)];
            }
        }

        return framed;
    }

    /// <summary>Reflects a coordinate outside 0..length-1 back inside, as a mirror at each edge would.</summary>
    private static int Mirror(int coordinate, int length) =>
        coordinate < 0 ? Math.Min(-coordinate - 1, length - 1) : coordinate >= length ? Math.Max((2 * length) - coordinate - 1, 0) : coordinate;
}
