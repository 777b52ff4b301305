namespace AllClassifier.Training.Synthetic;

/// <summary>An erythrocyte: a biconcave disc, so thinner (paler) in the middle and densest just inside the rim.</summary>
internal sealed class RedCell
{
    private PolarShape _outline = null!;
    private float _aspect;
    private float _cos;
    private float _sin;
    private float _pallor;
    private float _pallorExtent;
    private Stain _stain;

    public float X { get; private init; }

    public float Y { get; private init; }

    public float Radius { get; private init; }

    public float Extent => _outline.MaxRadius / _aspect;

    public static RedCell Create(Random random, float x, float y, float radius, Stain eosin)
    {
        var rotation = random.NextSingle() * 2f * MathF.PI;
        return new RedCell
        {
            X = x,
            Y = y,
            Radius = radius,
            _outline = PolarShape.Create(random, radius, [Leukocyte.Uniform(random, 0f, 0.04f), Leukocyte.Uniform(random, 0f, 0.025f)]),
            _aspect = Leukocyte.Uniform(random, 0.86f, 1f),
            _cos = MathF.Cos(rotation),
            _sin = MathF.Sin(rotation),
            _pallor = Leukocyte.Uniform(random, 0.5f, 0.72f),
            _pallorExtent = Leukocyte.Uniform(random, 0.5f, 0.68f),
            _stain = eosin.Jitter(random, 0.08f, 0.04f),
        };
    }

    public void Paint(DensityCanvas canvas)
    {
        var (x0, y0, x1, y1) = DensityCanvas.Bounds(X, Y, Extent + 2f);
        var inverseAspect = 1f / _aspect;
        for (var py = y0; py <= y1; py++)
        {
            var dy = py - Y;
            var row = py * DensityCanvas.Size;
            for (var px = x0; px <= x1; px++)
            {
                var dx = px - X;
                var lx = (dx * _cos) + (dy * _sin);
                var ly = ((dy * _cos) - (dx * _sin)) * inverseAspect;
                var coverage = _outline.Coverage(lx, ly, out var distance, out var edge);
                if (coverage <= 0f)
                {
                    continue;
                }

                var rho = distance / Radius;
                var thickness = 1f - (_pallor * (1f - Leukocyte.SmoothStep(_pallorExtent - 0.3f, _pallorExtent + 0.15f, rho)));
                thickness += 0.15f * MathF.Exp(-((edge - 2f) * (edge - 2f)) * 0.35f);
                canvas.Add(row + px, _stain, coverage * thickness);
            }
        }
    }
}
