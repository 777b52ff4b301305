namespace AllClassifier.Training.Synthetic;

/// <summary>
/// A star-shaped outline given by its radius as a function of angle, tabulated once so the per-pixel
/// cost is an <c>atan2</c> and a table lookup rather than a sum of cosines.
/// </summary>
internal sealed class PolarShape
{
    private const int Steps = 256;
    private const float StepsPerRadian = Steps / (2f * MathF.PI);

    private readonly float[] _radius = new float[Steps + 1];

    private PolarShape(float maxRadius, float minRadius)
    {
        MaxRadius = maxRadius;
        MinRadius = minRadius;
    }

    public float MaxRadius { get; }

    public float MinRadius { get; }

    /// <param name="baseRadius">Mean radius in pixels.</param>
    /// <param name="harmonics">Relative amplitude per harmonic order (index 0 is order 2); phases are random.</param>
    /// <param name="indentDepth">Fraction of the radius removed at the indentation (kidney shape, cleft); 0 for none.</param>
    /// <param name="indentWidth">Angular half-width of the indentation in radians.</param>
    public static PolarShape Create(
        Random random,
        float baseRadius,
        ReadOnlySpan<float> harmonics,
        float indentDepth = 0f,
        float indentWidth = 0.5f)
    {
        Span<float> phases = stackalloc float[harmonics.Length];
        for (var h = 0; h < harmonics.Length; h++)
        {
            phases[h] = random.NextSingle() * 2f * MathF.PI;
        }

        var indentAngle = random.NextSingle() * 2f * MathF.PI;
        var values = new float[Steps + 1];
        var max = 0f;
        var min = float.MaxValue;
        for (var i = 0; i < Steps; i++)
        {
            var angle = i / StepsPerRadian;
            var factor = 1f;
            for (var h = 0; h < harmonics.Length; h++)
            {
                factor += harmonics[h] * MathF.Cos(((h + 2) * angle) + phases[h]);
            }

            if (indentDepth > 0f)
            {
                var delta = MathF.IEEERemainder(angle - indentAngle, 2f * MathF.PI);
                factor *= 1f - (indentDepth * MathF.Exp(-(delta * delta) / (indentWidth * indentWidth)));
            }

            var r = baseRadius * factor;
            values[i] = r;
            max = MathF.Max(max, r);
            min = MathF.Min(min, r);
        }

        values[Steps] = values[0];
        var shape = new PolarShape(max, min);
        values.CopyTo(shape._radius, 0);
        return shape;
    }

    /// <summary>Outline radius at <paramref name="angle"/> (radians, any range that <c>atan2</c> returns).</summary>
    public float RadiusAt(float angle)
    {
        var position = (angle < 0f ? angle + (2f * MathF.PI) : angle) * StepsPerRadian;
        var index = (int)position;
        if (index >= Steps)
        {
            index = Steps - 1;
        }

        var t = position - index;
        return _radius[index] + ((_radius[index + 1] - _radius[index]) * t);
    }

    /// <summary>
    /// Anti-aliased coverage in [0, 1] of the point (<paramref name="x"/>, <paramref name="y"/>) relative to
    /// the shape's centre; the radial distance to the outline stands in for the true signed distance,
    /// which is close enough for gently varying outlines and keeps edges one pixel soft.
    /// </summary>
    public float Coverage(float x, float y, out float distance, out float edgeDistance)
    {
        distance = MathF.Sqrt((x * x) + (y * y));
        if (distance > MaxRadius + 1f)
        {
            edgeDistance = -1f;
            return 0f;
        }

        var r = RadiusAt(MathF.Atan2(y, x));
        edgeDistance = r - distance;
        return Math.Clamp(edgeDistance + 0.5f, 0f, 1f);
    }
}
