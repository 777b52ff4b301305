namespace AllClassifier.Model.Imaging;

/// <summary>Bounds checked from the image header before any pixel is decoded.</summary>
public sealed record ImageLimits
{
    public static ImageLimits Default { get; } = new();

    /// <summary>Largest accepted width or height. Smear photographs from lab microscopes stay well below this.</summary>
    public int MaxSide { get; init; } = 8192;

    /// <summary>Largest accepted pixel count: a header claiming more is treated as a decompression bomb.</summary>
    public long MaxPixels { get; init; } = 40_000_000;

    public int MinSide { get; init; } = 16;
}
