namespace AllClassifier.Training.Synthetic;

/// <summary>
/// Tileable 2-D value noise on a small random lattice. Cheap enough to sample per pixel several times
/// per image, and seeded from the image's own <see cref="Random"/> so every image gets its own texture.
/// </summary>
internal sealed class ValueNoise
{
    // A power of two lets negative coordinates wrap with a mask instead of a modulo.
    private const int LatticeSize = 64;
    private const int Mask = LatticeSize - 1;

    private readonly float[] _lattice = new float[LatticeSize * LatticeSize];

    public ValueNoise(Random random)
    {
        for (var i = 0; i < _lattice.Length; i++)
        {
            _lattice[i] = random.NextSingle();
        }
    }

    /// <summary>Smoothly interpolated noise in [0, 1]; one lattice cell per unit of <paramref name="x"/>, <paramref name="y"/>.</summary>
    public float Sample(float x, float y)
    {
        var fx = MathF.Floor(x);
        var fy = MathF.Floor(y);
        var ix = (int)fx & Mask;
        var iy = (int)fy & Mask;
        var ix1 = (ix + 1) & Mask;
        var iy1 = (iy + 1) & Mask;
        var tx = x - fx;
        var ty = y - fy;
        tx = tx * tx * (3f - (2f * tx));
        ty = ty * ty * (3f - (2f * ty));

        var row0 = iy * LatticeSize;
        var row1 = iy1 * LatticeSize;
        var a = _lattice[row0 + ix];
        var b = _lattice[row0 + ix1];
        var c = _lattice[row1 + ix];
        var d = _lattice[row1 + ix1];
        var top = a + ((b - a) * tx);
        var bottom = c + ((d - c) * tx);
        return top + ((bottom - top) * ty);
    }

    /// <summary>Two octaves, still in [0, 1]; the second octave breaks up the lattice's visible grid.</summary>
    public float Fractal(float x, float y) =>
        (Sample(x, y) * 0.65f) + (Sample((x * 2.03f) + 17.3f, (y * 2.03f) + 5.1f) * 0.35f);
}
