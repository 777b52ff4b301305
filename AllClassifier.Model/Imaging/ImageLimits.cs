namespace AllClassifier.Model.Imaging;

/// <summary>Bounds checked from the image header before any pixel is decoded.</summary>
public sealed record ImageLimits
{
    public static ImageLimits Default { get; } = new();

    /// <summary>Largest accepted width or height. Smear photographs from lab microscopes stay well below this.</summary>
    public int MaxSide { get; init; } = 8192;

    /// <summary>
    /// Largest accepted pixel count: a header claiming more is treated as a decompression bomb. 24 MP (6000x4000)
    /// is the largest sensor of common microscope cameras (5-20 MP); the model sees 224x224 anyway.
    /// </summary>
    public long MaxPixels { get; init; } = 24_000_000;

    public int MinSide { get; init; } = 16;
}
