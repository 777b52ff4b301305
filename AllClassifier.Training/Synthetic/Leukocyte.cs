using AllClassifier.Model;

namespace AllClassifier.Training.Synthetic;

/// <summary>
/// One stained lymphoid cell (hematogone or blast): a cytoplasm outline, an eccentric nucleus with a
/// procedural chromatin texture, nucleoli and optional vacuoles. The class look is decided entirely by
/// <see cref="Create"/>; painting is class-agnostic.
/// </summary>
internal sealed class Leukocyte
{
    private readonly record struct Spot(float X, float Y, float Radius, float Strength);

    private PolarShape _cell = null!;
    private PolarShape _nucleus = null!;
    private float _aspect;
    private float _cos;
    private float _sin;
    private float _nucleusX;
    private float _nucleusY;
    private Stain _cytoplasm;
    private float _cytoplasmDensity;
    private Stain _chromatin;
    private float _chromatinDensity;
    private float _textureScale;
    private float _textureContrast;
    private float _clumping;
    private float _rimDarkening;
    private float _noiseOffset;
    private Spot[] _nucleoli = [];
    private Spot[] _vacuoles = [];

    public float X { get; set; }

    public float Y { get; set; }

    /// <summary>Radius of a circle that contains the whole cell, for placement and clipping.</summary>
    public float Extent => _cell.MaxRadius / _aspect;

    public static Leukocyte Create(CellClass cellClass, Random random, float magnification, float hematoxylin)
    {
        var cell = new Leukocyte
        {
            _aspect = Uniform(random, 0.86f, 1f),
            _noiseOffset = random.NextSingle() * 64f,
        };
        var rotation = random.NextSingle() * 2f * MathF.PI;
        cell._cos = MathF.Cos(rotation);
        cell._sin = MathF.Sin(rotation);

        float nucleusRadius;
        float cytoplasmRatio;
        switch (cellClass)
        {
            case CellClass.Benign:
                // Hematogones: small, mature-looking, nucleus nearly fills the cell; dense, very dark smooth chromatin.
                nucleusRadius = Uniform(random, 12f, 15f);
                cytoplasmRatio = Uniform(random, 1.08f, 1.16f);
                cell._nucleus = PolarShape.Create(random, nucleusRadius * magnification, [Uniform(random, 0.01f, 0.05f), Uniform(random, 0f, 0.03f)]);
                cell._chromatin = Stain.FromColour(Uniform(random, 40f, 58f), Uniform(random, 18f, 30f), Uniform(random, 66f, 88f));
                cell._chromatinDensity = 1f;
                cell._textureScale = 6f;
                cell._textureContrast = Uniform(random, 0.06f, 0.12f);
                cell._clumping = 0f;
                cell._rimDarkening = 0.05f;
                cell._cytoplasm = Stain.FromColour(Uniform(random, 180f, 200f), Uniform(random, 198f, 212f), Uniform(random, 225f, 236f));
                cell._cytoplasmDensity = 1f;
                break;

            case CellClass.Early:
                // Early pre-B: round blasts with a light magenta, finely speckled open chromatin, pale nucleoli and
                // hardly any cytoplasm.
                nucleusRadius = Uniform(random, 22f, 27f);
                cytoplasmRatio = Uniform(random, 1.04f, 1.10f);
                cell._nucleus = PolarShape.Create(random, nucleusRadius * magnification, [Uniform(random, 0.02f, 0.05f), Uniform(random, 0f, 0.03f)]);
                cell._chromatin = Stain.FromColour(Uniform(random, 160f, 175f), Uniform(random, 86f, 100f), Uniform(random, 176f, 192f));
                cell._chromatinDensity = 1f;
                cell._textureScale = 1.3f;
                cell._textureContrast = Uniform(random, 0.26f, 0.36f);
                cell._clumping = 0f;
                cell._rimDarkening = 0.12f;
                cell._cytoplasm = Stain.FromColour(Uniform(random, 196f, 210f), Uniform(random, 188f, 202f), Uniform(random, 222f, 234f));
                cell._cytoplasmDensity = 1f;
                break;

            case CellClass.Pre:
                // Pre-B: the largest cells, a kidney-shaped indented nucleus in a broad rim of deep royal-blue,
                // usually vacuolated cytoplasm.
                nucleusRadius = Uniform(random, 20f, 25f);
                cytoplasmRatio = Uniform(random, 1.7f, 1.95f);
                cell._nucleus = PolarShape.Create(
                    random,
                    nucleusRadius * magnification,
                    [Uniform(random, 0.05f, 0.1f), Uniform(random, 0f, 0.04f)],
                    indentDepth: Uniform(random, 0.22f, 0.34f),
                    indentWidth: Uniform(random, 0.45f, 0.65f));
                cell._chromatin = Stain.FromColour(Uniform(random, 82f, 100f), Uniform(random, 52f, 66f), Uniform(random, 138f, 158f));
                cell._chromatinDensity = 1f;
                cell._textureScale = 2.6f;
                cell._textureContrast = Uniform(random, 0.2f, 0.3f);
                cell._clumping = 0.3f;
                cell._rimDarkening = 0.15f;
                cell._cytoplasm = Stain.FromColour(Uniform(random, 70f, 95f), Uniform(random, 108f, 132f), Uniform(random, 192f, 212f));
                cell._cytoplasmDensity = 1f;
                break;

            default:
                // Pro-B: large blasts, coarse clumped chromatin, prominent nucleoli, cleft/lobulated nucleus, grey-blue cytoplasm.
                nucleusRadius = Uniform(random, 25f, 30f);
                cytoplasmRatio = Uniform(random, 1.2f, 1.32f);
                cell._nucleus = PolarShape.Create(
                    random,
                    nucleusRadius * magnification,
                    [Uniform(random, 0.07f, 0.12f), Uniform(random, 0.05f, 0.1f), Uniform(random, 0f, 0.04f)],
                    indentDepth: Uniform(random, 0.3f, 0.45f),
                    indentWidth: Uniform(random, 0.18f, 0.3f));
                cell._chromatin = Stain.FromColour(Uniform(random, 72f, 88f), Uniform(random, 34f, 46f), Uniform(random, 104f, 122f));
                cell._chromatinDensity = 1f;
                cell._textureScale = 4.2f;
                cell._textureContrast = Uniform(random, 0.62f, 0.74f);
                cell._clumping = 1f;
                cell._rimDarkening = 0.25f;
                cell._cytoplasm = Stain.FromColour(Uniform(random, 158f, 172f), Uniform(random, 164f, 177f), Uniform(random, 186f, 198f));
                cell._cytoplasmDensity = 1f;
                break;
        }

        cell._chromatinDensity *= hematoxylin;
        var cellRadius = ((nucleusRadius * cytoplasmRatio) + 1f) * magnification;
        cell._cell = PolarShape.Create(random, cellRadius, [Uniform(random, 0.01f, 0.04f), Uniform(random, 0f, 0.02f)]);

        // The nucleus sits off-centre in the room the cytoplasm leaves, as in real lymphoid cells.
        var room = MathF.Max(0f, cell._cell.MinRadius - cell._nucleus.MaxRadius - 1f);
        var offsetAngle = random.NextSingle() * 2f * MathF.PI;
        var offset = room * Uniform(random, 0.3f, 1f);
        cell._nucleusX = offset * MathF.Cos(offsetAngle);
        cell._nucleusY = offset * MathF.Sin(offsetAngle);

        cell._nucleoli = cellClass switch
        {
            CellClass.Early => cell.MakeNucleoli(random, random.Next(1, 3), 2.4f, 3.6f, 0.4f, 0.55f),
            CellClass.Pre => cell.MakeNucleoli(random, random.Next(0, 2), 2f, 3f, 0.25f, 0.4f),
            CellClass.Pro => cell.MakeNucleoli(random, random.Next(2, 4), 3.4f, 5f, 0.6f, 0.75f),
            _ => [],
        };
        cell._vacuoles = cellClass == CellClass.Pre && random.NextSingle() < 0.85f
            ? cell.MakeVacuoles(random, random.Next(4, 11))
            : [];
        return cell;
    }

    public void Paint(DensityCanvas canvas, ValueNoise noise)
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
                var cellCoverage = _cell.Coverage(lx, ly, out _, out _);
                if (cellCoverage <= 0f)
                {
                    continue;
                }

                var nx = lx - _nucleusX;
                var ny = ly - _nucleusY;
                var nucleusCoverage = _nucleus.Coverage(nx, ny, out _, out var edge);

                var cytoplasm = cellCoverage * _cytoplasmDensity * (0.9f + (0.2f * noise.Sample((lx / 9f) + _noiseOffset, (ly / 9f) + _noiseOffset)));
                foreach (var vacuole in _vacuoles)
                {
                    cytoplasm *= 1f - (0.85f * SpotCoverage(vacuole, lx, ly));
                }

                canvas.Add(row + px, _cytoplasm, cytoplasm * (1f - (0.6f * nucleusCoverage)));
                if (nucleusCoverage > 0f)
                {
                    canvas.Add(row + px, _chromatin, nucleusCoverage * Chromatin(noise, nx, ny, edge));
                }
            }
        }
    }

    private float Chromatin(ValueNoise noise, float nx, float ny, float edge)
    {
        var s = 1f / _textureScale;
        var n = noise.Fractal((nx * s) + _noiseOffset, (ny * s) + _noiseOffset);
        if (_clumping > 0f)
        {
            // Sharpening the noise turns smooth undulation into discrete clumps with pale gaps between them.
            var clumped = SmoothStep(0.36f, 0.64f, n);
            n += (clumped - n) * _clumping;
        }

        var density = _chromatinDensity * (1f + (_textureContrast * ((n * 2f) - 1f)));

        // Chromatin condenses against the nuclear membrane, giving blasts a darker outline.
        density *= 1f + (_rimDarkening * MathF.Exp(-MathF.Max(edge, 0f) * 0.6f));
        foreach (var nucleolus in _nucleoli)
        {
            var ddx = nx - nucleolus.X;
            var ddy = ny - nucleolus.Y;
            var d = MathF.Sqrt((ddx * ddx) + (ddy * ddy));
            var inside = Math.Clamp(nucleolus.Radius - d + 0.5f, 0f, 1f);

            // A pale body with a thin darker perinucleolar ring, which is what makes nucleoli "visible".
            var ring = MathF.Exp(-((d - nucleolus.Radius - 0.8f) * (d - nucleolus.Radius - 0.8f)) * 0.8f);
            density *= 1f - (nucleolus.Strength * inside) + (0.3f * nucleolus.Strength * ring);
        }

        return MathF.Max(density, 0.05f);
    }

    private Spot[] MakeNucleoli(Random random, int count, float minRadius, float maxRadius, float minStrength, float maxStrength)
    {
        var spots = new List<Spot>(count);
        for (var attempt = 0; attempt < 40 && spots.Count < count; attempt++)
        {
            var radius = Uniform(random, minRadius, maxRadius);
            var angle = random.NextSingle() * 2f * MathF.PI;
            var distance = MathF.Sqrt(random.NextSingle()) * MathF.Max(0f, (_nucleus.MinRadius * 0.65f) - radius);
            var spot = new Spot(distance * MathF.Cos(angle), distance * MathF.Sin(angle), radius, Uniform(random, minStrength, maxStrength));
            if (spots.TrueForAll(other => Distance(other, spot) > other.Radius + spot.Radius + 2f))
            {
                spots.Add(spot);
            }
        }

        return [.. spots];
    }

    private Spot[] MakeVacuoles(Random random, int count)
    {
        var spots = new List<Spot>(count);
        for (var attempt = 0; attempt < 60 && spots.Count < count; attempt++)
        {
            var radius = Uniform(random, 1.4f, 2.8f);
            var angle = random.NextSingle() * 2f * MathF.PI;
            var distance = random.NextSingle() * _cell.MaxRadius;
            var x = distance * MathF.Cos(angle);
            var y = distance * MathF.Sin(angle);
            var insideCell = _cell.RadiusAt(MathF.Atan2(y, x)) - distance > radius + 1.5f;
            var nx = x - _nucleusX;
            var ny = y - _nucleusY;
            var outsideNucleus = MathF.Sqrt((nx * nx) + (ny * ny)) - _nucleus.RadiusAt(MathF.Atan2(ny, nx)) > radius + 1f;
            var spot = new Spot(x, y, radius, 1f);
            if (insideCell && outsideNucleus && spots.TrueForAll(other => Distance(other, spot) > other.Radius + spot.Radius + 1f))
            {
                spots.Add(spot);
            }
        }

        return [.. spots];
    }

    private static float SpotCoverage(Spot spot, float x, float y)
    {
        var dx = x - spot.X;
        var dy = y - spot.Y;
        return Math.Clamp(spot.Radius - MathF.Sqrt((dx * dx) + (dy * dy)) + 0.5f, 0f, 1f);
    }

    private static float Distance(Spot a, Spot b) => MathF.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));

    internal static float Uniform(Random random, float min, float max) => min + (random.NextSingle() * (max - min));

    internal static float SmoothStep(float edge0, float edge1, float x)
    {
        var t = Math.Clamp((x - edge0) / (edge1 - edge0), 0f, 1f);
        return t * t * (3f - (2f * t));
    }
}
