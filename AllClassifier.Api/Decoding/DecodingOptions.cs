using AllClassifier.Model.Imaging;

namespace AllClassifier.Api.Decoding;

/// <summary>
/// Which images are decoded and how many pixels may be decoded at once (section <c>Decoding</c>). A full decode
/// holds about 3 bytes per pixel (more while a JPEG's coefficients are expanded), so the pixel budget bounds the
/// memory that /predict and /feedback can take together, whatever arrives.
/// </summary>
public sealed class DecodingOptions
{
    public const string SectionName = "Decoding";

    private const int PixelsPerMegapixel = 1_000_000;

    /// <summary>Largest accepted pixel count, checked from the header before decoding.</summary>
    public long MaxPixels { get; set; } = ImageLimits.Default.MaxPixels;

    /// <summary>Largest accepted width or height.</summary>
    public int MaxSide { get; set; } = ImageLimits.Default.MaxSide;

    /// <summary>Megapixels decoded at once across all requests; an image takes its size, rounded up, at least 1.</summary>
    public int MaxDecodingMegapixels { get; set; } = 2 * (int)Math.Ceiling((double)ImageLimits.Default.MaxPixels / PixelsPerMegapixel);

    /// <summary>Megapixels of images that may wait for the budget; beyond that the answer is 503 with Retry-After.</summary>
    public int MaxQueuedMegapixels { get; set; } = 2048;

    /// <summary>The Retry-After sent when the decode queue is full.</summary>
    public int BusyRetryAfterSeconds { get; set; } = 1;

    public ImageLimits ToLimits() => ImageLimits.Default with { MaxPixels = MaxPixels, MaxSide = MaxSide };

    /// <summary>The permits one image of this size takes.</summary>
    public static int Megapixels(ImageHeader header) =>
        (int)Math.Max(1, Math.Ceiling((double)header.Width * header.Height / PixelsPerMegapixel));

    internal bool AdmitsLargestImage => MaxDecodingMegapixels * (long)PixelsPerMegapixel >= MaxPixels;
}
