namespace AllClassifier.Training.Synthetic;

/// <summary>
/// Optical density per colour channel. Stained material is painted as absorbance and composited with
/// Beer-Lambert (<c>I = I0·exp(-OD)</c>), so overlapping red cells darken the way real ones do instead
/// of one simply covering the other.
/// </summary>
internal readonly record struct Stain(float R, float G, float B)
{
    /// <summary>The density that turns a white light of <paramref name="light"/> into the colour (r, g, b).</summary>
    public static Stain FromColour(float r, float g, float b, float light = 245f) =>
        new(MathF.Log(light / r), MathF.Log(light / g), MathF.Log(light / b));

    public Stain Scale(float factor) => new(R * factor, G * factor, B * factor);

    /// <summary>Per-channel jitter that keeps the hue family but varies staining between slides.</summary>
    public Stain Jitter(Random random, float strength, float hue) =>
        new Stain(
            R * (1f + ((random.NextSingle() - 0.5f) * 2f * hue)),
            G * (1f + ((random.NextSingle() - 0.5f) * 2f * hue)),
            B * (1f + ((random.NextSingle() - 0.5f) * 2f * hue)))
        .Scale(1f + ((random.NextSingle() - 0.5f) * 2f * strength));

    public static Stain Lerp(Stain a, Stain b, float t) =>
        new(a.R + ((b.R - a.R) * t), a.G + ((b.G - a.G) * t), a.B + ((b.B - a.B) * t));
}

/// <summary>Accumulates optical density for one image; planar so each channel is a contiguous span.</summary>
internal sealed class DensityCanvas
{
    public const int Size = SmearGenerator.ImageSize;

    public float[] R { get; } = new float[Size * Size];

    public float[] G { get; } = new float[Size * Size];

    public float[] B { get; } = new float[Size * Size];

    public void Add(int offset, Stain stain, float amount)
    {
        R[offset] += stain.R * amount;
        G[offset] += stain.G * amount;
        B[offset] += stain.B * amount;
    }

    /// <summary>Clips a square around (cx, cy) of half-size <paramref name="radius"/> to the image.</summary>
    public static (int X0, int Y0, int X1, int Y1) Bounds(float cx, float cy, float radius) =>
        (Math.Max(0, (int)MathF.Floor(cx - radius)),
         Math.Max(0, (int)MathF.Floor(cy - radius)),
         Math.Min(Size - 1, (int)MathF.Ceiling(cx + radius)),
         Math.Min(Size - 1, (int)MathF.Ceiling(cy + radius)));
}
