using AllClassifier.Model;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace AllClassifier.Training.Synthetic;

/// <summary>
/// Generates synthetic Wright-Giemsa peripheral-blood-smear fields (224×224, as if photographed at 100×)
/// for the four ALL classes. Every image is a pure function of (seed, class, index), so datasets can be
/// regenerated anywhere instead of being shipped, and tests can rely on exact pixels.
/// </summary>
/// <remarks>
/// Stained material is accumulated as optical density and turned into light with Beer-Lambert, which
/// gives overlapping red cells and stacked stains their natural darkening for free. Instances hold no
/// mutable state, so one generator may be used from several threads.
/// </remarks>
public sealed class SmearGenerator(int seed)
{
    public const int ImageSize = 224;

    private const int Size = ImageSize;

    public int Seed { get; } = seed;

    public Image<Rgb24> Generate(CellClass cellClass, int index) => Render(cellClass, index).Image;

    /// <summary>The image together with where its leukocytes (hematogones or blasts) were drawn.</summary>
    public SyntheticSmear Render(CellClass cellClass, int index)
    {
        if (!Enum.IsDefined(cellClass))
        {
            throw new ArgumentOutOfRangeException(nameof(cellClass), cellClass, "Not one of the four classes.");
        }

        var random = new Random(StableSeed(Seed, cellClass, index));
        var noise = new ValueNoise(random);
        var canvas = new DensityCanvas();
        var magnification = Leukocyte.Uniform(random, 0.94f, 1.06f);

        PaintBackground(canvas, noise, random);
        var leukocytes = PlaceLeukocytes(cellClass, random, magnification);
        var redCells = PlaceRedCells(random, magnification, leukocytes);
        foreach (var redCell in redCells)
        {
            redCell.Paint(canvas);
        }

        PaintPlatelets(canvas, random, leukocytes);
        foreach (var leukocyte in leukocytes)
        {
            leukocyte.Paint(canvas, noise);
        }

        return new SyntheticSmear(
            Develop(canvas, random),
            leukocytes.ConvertAll(cell => new DrawnCell(cell.X, cell.Y, cell.Extent)));
    }

    public byte[] GenerateJpeg(CellClass cellClass, int index, int quality = 90)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quality, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quality, 100);
        using var image = Generate(cellClass, index);
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream, new JpegEncoder { Quality = quality });
        return stream.ToArray();
    }

    public byte[] GeneratePng(CellClass cellClass, int index)
    {
        using var image = Generate(cellClass, index);
        using var stream = new MemoryStream();
        image.SaveAsPng(stream, new PngEncoder());
        return stream.ToArray();
    }

    /// <summary>
    /// Writes <c>&lt;outDir&gt;/&lt;Class&gt;/&lt;class&gt;_&lt;index:D4&gt;.jpg</c> for indices
    /// <c>0..perClass-1</c> of every class — the layout of the public ALL dataset — and returns the paths in
    /// class, then index order. Progress reports the number of images written so far, strictly increasing.
    /// </summary>
    public IReadOnlyList<string> WriteDataset(
        string outDir,
        int perClass,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outDir);
        ArgumentOutOfRangeException.ThrowIfNegative(perClass);

        var classes = CellClasses.All;
        var paths = new string[classes.Count * perClass];
        foreach (var cellClass in classes)
        {
            var directory = Path.Combine(outDir, cellClass.Name());
            Directory.CreateDirectory(directory);
            for (var i = 0; i < perClass; i++)
            {
                paths[((int)cellClass * perClass) + i] =
                    Path.Combine(directory, $"{cellClass.Name().ToLowerInvariant()}_{i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture)}.jpg");
            }
        }

        var written = 0;
        var progressLock = new object();
        Parallel.For(
            0,
            paths.Length,
            new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            item =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                var cellClass = classes[item / perClass];
                File.WriteAllBytes(paths[item], GenerateJpeg(cellClass, item % perClass));

                // Counting and reporting under one lock keeps the reported counts in order.
                lock (progressLock)
                {
                    written++;
                    progress?.Report(written);
                }
            });

        return paths;
    }

    /// <summary>
    /// Mixes (seed, class, index) with SplitMix64 finalisers: stable across processes and runtimes,
    /// unlike <see cref="string.GetHashCode()"/>, and well spread so neighbouring indices look unrelated.
    /// </summary>
    internal static int StableSeed(int seed, CellClass cellClass, int index)
    {
        var h = Mix(0x9E3779B97F4A7C15UL ^ (uint)seed);
        h = Mix(h ^ ((ulong)(uint)cellClass << 32) ^ (uint)index);
        return (int)(h >> 33);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static void PaintBackground(DensityCanvas canvas, ValueNoise noise, Random random)
    {
        // Plasma and the glass give a faint pink-lavender cast whose strength drifts across the field.
        var plasma = Stain.FromColour(
            Leukocyte.Uniform(random, 226f, 236f),
            Leukocyte.Uniform(random, 210f, 222f),
            Leukocyte.Uniform(random, 222f, 234f));
        var offset = random.NextSingle() * 64f;
        for (var y = 0; y < Size; y++)
        {
            var row = y * Size;
            for (var x = 0; x < Size; x++)
            {
                var drift = noise.Fractal((x / 48f) + offset, (y / 48f) + offset);
                canvas.Add(row + x, plasma, 0.7f + (0.6f * drift));
            }
        }
    }

    private static int LeukocyteCount(CellClass cellClass, Random random)
    {
        var roll = random.NextSingle();
        return cellClass switch
        {
            // Hematogones come in small groups; blasts are larger, so fewer fit in one field.
            CellClass.Benign => roll < 0.25f ? 2 : roll < 0.65f ? 3 : roll < 0.9f ? 4 : 5,
            CellClass.Early => roll < 0.25f ? 1 : roll < 0.8f ? 2 : 3,
            CellClass.Pre => roll < 0.4f ? 1 : roll < 0.85f ? 2 : 3,
            _ => roll < 0.15f ? 1 : roll < 0.6f ? 2 : 3,
        };
    }

    private static List<Leukocyte> PlaceLeukocytes(CellClass cellClass, Random random, float magnification)
    {
        var count = LeukocyteCount(cellClass, random);
        var hematoxylin = Leukocyte.Uniform(random, 0.88f, 1.12f);
        var placed = new List<Leukocyte>(count);
        for (var n = 0; n < count; n++)
        {
            var cell = Leukocyte.Create(cellClass, random, magnification, hematoxylin);
            for (var attempt = 0; attempt < 40; attempt++)
            {
                // The first cell is the subject and stays near the middle; companions may be cut by the frame.
                var margin = n == 0 ? (Size / 2f) - 50f : cell.Extent * 0.3f;
                cell.X = Leukocyte.Uniform(random, margin, Size - margin);
                cell.Y = Leukocyte.Uniform(random, margin, Size - margin);
                if (placed.TrueForAll(other => Distance(other.X, other.Y, cell.X, cell.Y) > (other.Extent + cell.Extent) * 0.95f))
                {
                    placed.Add(cell);
                    break;
                }
            }
        }

        return placed;
    }

    private static List<RedCell> PlaceRedCells(Random random, float magnification, List<Leukocyte> leukocytes)
    {
        var eosin = Stain.FromColour(
            Leukocyte.Uniform(random, 205f, 225f),
            Leukocyte.Uniform(random, 128f, 150f),
            Leukocyte.Uniform(random, 138f, 160f));
        var target = random.Next(7, 17);
        var cells = new List<RedCell>(target);
        for (var attempt = 0; attempt < 300 && cells.Count < target; attempt++)
        {
            var radius = Leukocyte.Uniform(random, 16f, 20f) * magnification;
            var x = Leukocyte.Uniform(random, -radius * 0.6f, Size + (radius * 0.6f));
            var y = Leukocyte.Uniform(random, -radius * 0.6f, Size + (radius * 0.6f));

            // Some red cells overlap (as in a thick area of the smear); most only touch.
            var overlap = random.NextSingle() < 0.25f ? 0.55f : 0.95f;
            var clearOfWhite = leukocytes.TrueForAll(w => Distance(w.X, w.Y, x, y) > w.Extent + (radius * 0.75f));
            var clearOfRed = cells.TrueForAll(r => Distance(r.X, r.Y, x, y) > (r.Radius + radius) * overlap);
            if (clearOfWhite && clearOfRed)
            {
                cells.Add(RedCell.Create(random, x, y, radius, eosin));
            }
        }

        return cells;
    }

    private static void PaintPlatelets(DensityCanvas canvas, Random random, List<Leukocyte> leukocytes)
    {
        // Occasional platelets are in every class, so a dark-purple dot alone can never give a class away.
        var platelet = Stain.FromColour(150f, 95f, 175f);
        var count = random.NextSingle() < 0.45f ? random.Next(1, 4) : 0;
        for (var p = 0; p < count; p++)
        {
            var cx = Leukocyte.Uniform(random, 8f, Size - 8f);
            var cy = Leukocyte.Uniform(random, 8f, Size - 8f);
            if (!leukocytes.TrueForAll(w => Distance(w.X, w.Y, cx, cy) > w.Extent + 4f))
            {
                continue;
            }

            var granules = random.Next(2, 5);
            for (var g = 0; g < granules; g++)
            {
                var gx = cx + Leukocyte.Uniform(random, -2.5f, 2.5f);
                var gy = cy + Leukocyte.Uniform(random, -2.5f, 2.5f);
                var radius = Leukocyte.Uniform(random, 1.2f, 2.2f);
                var (x0, y0, x1, y1) = DensityCanvas.Bounds(gx, gy, radius + 1f);
                for (var y = y0; y <= y1; y++)
                {
                    for (var x = x0; x <= x1; x++)
                    {
                        var coverage = Math.Clamp(radius - Distance(x, y, gx, gy) + 0.5f, 0f, 1f);
                        canvas.Add((y * Size) + x, platelet, coverage * 0.6f);
                    }
                }
            }
        }
    }

    private static Image<Rgb24> Develop(DensityCanvas canvas, Random random)
    {
        var light = Leukocyte.Uniform(random, 240f, 254f);
        Span<float> tint =
        [
            light * Leukocyte.Uniform(random, 0.97f, 1.02f),
            light * Leukocyte.Uniform(random, 0.96f, 1.01f),
            light * Leukocyte.Uniform(random, 0.98f, 1.03f),
        ];
        var vignette = Leukocyte.Uniform(random, 0.05f, 0.16f);
        var centreX = Size / 2f + Leukocyte.Uniform(random, -25f, 25f);
        var centreY = Size / 2f + Leukocyte.Uniform(random, -25f, 25f);
        var sensorNoise = Leukocyte.Uniform(random, 1.2f, 2.8f);
        var blurPasses = random.NextSingle() < 0.4f ? 2 : 1;
        var noiseState = (uint)random.Next(1, int.MaxValue);

        var planes = new[] { canvas.R, canvas.G, canvas.B };
        var scratch = new float[Size * Size];
        for (var c = 0; c < 3; c++)
        {
            var plane = planes[c];
            for (var y = 0; y < Size; y++)
            {
                var ry = (y - centreY) / Size;
                var row = y * Size;
                for (var x = 0; x < Size; x++)
                {
                    var rx = (x - centreX) / Size;
                    var illumination = tint[c] * (1f - (vignette * 2f * ((rx * rx) + (ry * ry))));
                    plane[row + x] = illumination * MathF.Exp(-plane[row + x]);
                }
            }

            // A microscope image is never pixel-sharp; a little optical blur hides the rasterisation.
            for (var pass = 0; pass < blurPasses; pass++)
            {
                BlurRows(plane, scratch);
                BlurColumns(scratch, plane);
            }
        }

        var pixels = new byte[Size * Size * 3];
        var red = planes[0];
        var green = planes[1];
        var blue = planes[2];
        for (var i = 0; i < Size * Size; i++)
        {
            // Grain is mostly shared by the channels, as luminance noise dominates in camera sensors.
            var shared = Grain(ref noiseState) * sensorNoise;
            var own = sensorNoise * 0.5f;
            pixels[(i * 3) + 0] = ToByte(red[i] + shared + (Grain(ref noiseState) * own));
            pixels[(i * 3) + 1] = ToByte(green[i] + shared + (Grain(ref noiseState) * own));
            pixels[(i * 3) + 2] = ToByte(blue[i] + shared + (Grain(ref noiseState) * own));
        }

        return Image.LoadPixelData<Rgb24>(pixels, Size, Size);
    }

    private static void BlurRows(float[] source, float[] target)
    {
        for (var y = 0; y < Size; y++)
        {
            var row = y * Size;
            for (var x = 0; x < Size; x++)
            {
                var left = source[row + Math.Max(x - 1, 0)];
                var right = source[row + Math.Min(x + 1, Size - 1)];
                target[row + x] = (left + (2f * source[row + x]) + right) * 0.25f;
            }
        }
    }

    private static void BlurColumns(float[] source, float[] target)
    {
        for (var y = 0; y < Size; y++)
        {
            var up = Math.Max(y - 1, 0) * Size;
            var row = y * Size;
            var down = Math.Min(y + 1, Size - 1) * Size;
            for (var x = 0; x < Size; x++)
            {
                target[row + x] = (source[up + x] + (2f * source[row + x]) + source[down + x]) * 0.25f;
            }
        }
    }

    /// <summary>
    /// Triangular noise of unit variance from the two halves of one xorshift step: close enough to sensor
    /// grain and far cheaper than <see cref="Random"/> per sample.
    /// </summary>
    private static float Grain(ref uint state)
    {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        var sum = (state & 0xFFFF) + (state >> 16);
        return ((sum * (1f / 65535f)) - 1f) * 2.449f;
    }

    private static byte ToByte(float value) => (byte)Math.Clamp((int)(value + 0.5f), 0, 255);

    private static float Distance(float x0, float y0, float x1, float y1) =>
        MathF.Sqrt(((x1 - x0) * (x1 - x0)) + ((y1 - y0) * (y1 - y0)));
}
