namespace AllClassifier.Api.Explain;

/// <summary>
/// The viridis colour map (perceptually uniform, readable in greyscale and by colour-blind viewers): ten evenly
/// spaced stops of matplotlib's viridis, interpolated linearly, dark purple at 0 through teal to yellow at 1.
/// </summary>
public static class Viridis
{
    private static readonly (byte R, byte G, byte B)[] Stops =
    [
        (0x44, 0x01, 0x54), (0x48, 0x28, 0x78), (0x3E, 0x4A, 0x89), (0x31, 0x68, 0x8E), (0x26, 0x82, 0x8E),
        (0x1F, 0x9E, 0x89), (0x35, 0xB7, 0x79), (0x6D, 0xCD, 0x59), (0xB4, 0xDE, 0x2C), (0xFD, 0xE7, 0x25),
    ];

    /// <summary>The colour at <paramref name="t"/> in [0, 1] (clamped), as linear RGB components in 0..255.</summary>
    public static (float R, float G, float B) At(float t)
    {
        var position = Math.Clamp(t, 0f, 1f) * (Stops.Length - 1);
        var lower = Math.Min((int)position, Stops.Length - 2);
        var fraction = position - lower;
        var (r0, g0, b0) = Stops[lower];
        var (r1, g1, b1) = Stops[lower + 1];
        return (r0 + ((r1 - r0) * fraction), g0 + ((g1 - g0) * fraction), b0 + ((b1 - b0) * fraction));
    }
}
