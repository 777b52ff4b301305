using AllClassifier.Model;
using AllClassifier.Training.Synthetic;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AllClassifier.Training.Tests.Synthetic;

public sealed class SmearGeneratorTests
{
    private const int Seed = 1234;

    [Fact]
    public void Same_seed_class_and_index_give_identical_bytes_across_instances()
    {
        var first = new SmearGenerator(Seed);
        var second = new SmearGenerator(Seed);

        foreach (var cellClass in CellClasses.All)
        {
            Assert.Equal(first.GeneratePng(cellClass, 7), second.GeneratePng(cellClass, 7));
            Assert.Equal(first.GenerateJpeg(cellClass, 7), second.GenerateJpeg(cellClass, 7));
        }
    }

    [Fact]
    public void Different_index_class_or_seed_give_different_images()
    {
        var generator = new SmearGenerator(Seed);
        var reference = generator.GeneratePng(CellClass.Early, 3);

        Assert.NotEqual(reference, generator.GeneratePng(CellClass.Early, 4));
        Assert.NotEqual(reference, generator.GeneratePng(CellClass.Pre, 3));
        Assert.NotEqual(reference, new SmearGenerator(Seed + 1).GeneratePng(CellClass.Early, 3));
    }

    [Fact]
    public void Stable_seed_is_a_fixed_function_of_its_inputs()
    {
        // Pinned values: if the mixing changes, every regenerated dataset silently changes with it.
        Assert.Equal(1925883628, SmearGenerator.StableSeed(1, CellClass.Pre, 5));
        Assert.Equal(2118946277, SmearGenerator.StableSeed(42, CellClass.Benign, 0));
        Assert.Equal(1141188921, SmearGenerator.StableSeed(-7, CellClass.Pro, 1234));
        var seeds = new HashSet<int>();
        foreach (var cellClass in CellClasses.All)
        {
            for (var i = 0; i < 250; i++)
            {
                seeds.Add(SmearGenerator.StableSeed(Seed, cellClass, i));
            }
        }

        Assert.Equal(1000, seeds.Count);
        Assert.All(seeds, s => Assert.True(s >= 0));
    }

    [Theory]
    [InlineData(CellClass.Benign)]
    [InlineData(CellClass.Early)]
    [InlineData(CellClass.Pre)]
    [InlineData(CellClass.Pro)]
    public void Images_are_224_square_with_a_light_background_and_stained_content(CellClass cellClass)
    {
        using var image = new SmearGenerator(Seed).Generate(cellClass, 0);

        Assert.Equal(SmearGenerator.ImageSize, image.Width);
        Assert.Equal(SmearGenerator.ImageSize, image.Height);
        var stats = Measure(image);

        // A smear field is mostly pale background: the brightest decile must be near white and pinkish.
        Assert.InRange(stats.BrightLevel, 190, 255);
        Assert.True(stats.Nucleus > 150, $"expected a stained nucleus, found {stats.Nucleus} purple pixels");
        Assert.True(stats.RedCell > 500, $"expected red cells, found {stats.RedCell} pink pixels");
    }

    [Fact]
    public void Jpeg_and_png_decode_to_224_square_rgb()
    {
        var generator = new SmearGenerator(Seed);

        using var jpeg = Image.Load<Rgb24>(generator.GenerateJpeg(CellClass.Pro, 1, quality: 85));
        using var png = Image.Load<Rgb24>(generator.GeneratePng(CellClass.Pro, 1));
        using var raw = generator.Generate(CellClass.Pro, 1);

        Assert.Equal((224, 224), (jpeg.Width, jpeg.Height));
        Assert.Equal((224, 224), (png.Width, png.Height));

        // PNG is lossless, so it must round-trip the generated pixels exactly.
        for (var y = 0; y < 224; y += 17)
        {
            for (var x = 0; x < 224; x += 13)
            {
                Assert.Equal(raw[x, y], png[x, y]);
            }
        }
    }

    [Fact]
    public void Rejects_out_of_range_arguments()
    {
        var generator = new SmearGenerator(Seed);

        Assert.Throws<ArgumentOutOfRangeException>(() => generator.GenerateJpeg(CellClass.Pre, 0, quality: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.GenerateJpeg(CellClass.Pre, 0, quality: 101));
        Assert.Throws<ArgumentOutOfRangeException>(() => generator.Generate((CellClass)4, 0));
    }

    [Fact]
    public void WriteDataset_writes_the_public_dataset_layout_and_reports_progress()
    {
        var root = Path.Combine(Path.GetTempPath(), "smear-" + Guid.NewGuid().ToString("N"));
        try
        {
            var reports = new List<int>();
            var generator = new SmearGenerator(Seed);

            var paths = generator.WriteDataset(root, perClass: 3, new SynchronousProgress(reports.Add));

            Assert.Equal(12, paths.Count);
            Assert.Equal(Enumerable.Range(1, 12), reports);
            Assert.Equal(
                ["Benign", "Early", "Pre", "Pro"],
                Directory.GetDirectories(root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal(Path.Combine(root, "Benign", "benign_0000.jpg"), paths[0]);
            Assert.Equal(Path.Combine(root, "Pro", "pro_0002.jpg"), paths[^1]);
            foreach (var cellClass in CellClasses.All)
            {
                var files = Directory.GetFiles(Path.Combine(root, cellClass.Name())).Select(Path.GetFileName).Order(StringComparer.Ordinal);
                var lower = cellClass.Name().ToLowerInvariant();
                Assert.Equal([$"{lower}_0000.jpg", $"{lower}_0001.jpg", $"{lower}_0002.jpg"], files);
            }

            // Files are the same bytes GenerateJpeg gives, so a dataset can be rebuilt from the seed alone.
            Assert.Equal(generator.GenerateJpeg(CellClass.Pre, 1), File.ReadAllBytes(Path.Combine(root, "Pre", "pre_0001.jpg")));
            using var decoded = Image.Load<Rgb24>(paths[5]);
            Assert.Equal(224, decoded.Width);
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    [Fact]
    public void WriteDataset_honours_cancellation()
    {
        var root = Path.Combine(Path.GetTempPath(), "smear-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var cancellation = new CancellationTokenSource();
            cancellation.Cancel();

            Assert.ThrowsAny<OperationCanceledException>(
                () => new SmearGenerator(Seed).WriteDataset(root, perClass: 50, cancellationToken: cancellation.Token));
            Assert.Empty(Directory.Exists(root) ? Directory.GetFiles(root, "*.jpg", SearchOption.AllDirectories) : []);
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    [Fact]
    public void Benign_nuclei_are_smaller_and_darker_than_pro_b_nuclei()
    {
        var generator = new SmearGenerator(Seed);
        var benign = Enumerable.Range(0, 20).Select(i => Measure(generator, CellClass.Benign, i)).ToList();
        var pro = Enumerable.Range(0, 20).Select(i => Measure(generator, CellClass.Pro, i)).ToList();

        var benignArea = benign.Average(s => s.Nucleus);
        var proArea = pro.Average(s => s.Nucleus);
        var benignDarkness = benign.Average(s => s.NucleusLevel);
        var proDarkness = pro.Average(s => s.NucleusLevel);

        // Hematogones are small cells with dense chromatin; Pro-B blasts are large with open, clumped chromatin.
        Assert.True(proArea > 2.5 * benignArea, $"Pro-B nuclear area {proArea:F0} vs Benign {benignArea:F0}");
        Assert.True(benignDarkness + 15 < proDarkness, $"Benign nuclear level {benignDarkness:F1} vs Pro-B {proDarkness:F1}");
    }

    [Fact]
    public void Pre_b_cytoplasm_is_bluer_than_early_pre_b()
    {
        var generator = new SmearGenerator(Seed);
        var early = Enumerable.Range(0, 20).Average(i => Measure(generator, CellClass.Early, i).DeepBlue);
        var pre = Enumerable.Range(0, 20).Average(i => Measure(generator, CellClass.Pre, i).DeepBlue);

        Assert.True(pre > 3 * early + 200, $"Pre-B deep-blue area {pre:F0} vs Early {early:F0}");
    }

    private sealed record Stats(int Nucleus, double NucleusLevel, int RedCell, int DeepBlue, int BrightLevel);

    private static Stats Measure(SmearGenerator generator, CellClass cellClass, int index)
    {
        using var image = generator.Generate(cellClass, index);
        return Measure(image);
    }

    /// <summary>Crude colour classes: dark purple (nucleus), pink (red cell), saturated blue (basophilic cytoplasm).</summary>
    private static Stats Measure(Image<Rgb24> image)
    {
        var nucleus = 0;
        var nucleusSum = 0L;
        var red = 0;
        var blue = 0;
        var histogram = new int[256];
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                var p = image[x, y];
                var level = (p.R + p.G + p.B) / 3;
                histogram[level]++;
                if (p.R < 160 && p.G < 120 && p.B > p.G + 25)
                {
                    nucleus++;
                    nucleusSum += level;
                }
                else if (p.R > p.G + 40 && p.R > p.B + 20)
                {
                    red++;
                }
                else if (p.B > p.R + 60 && p.G > p.R + 15)
                {
                    blue++;
                }
            }
        }

        // Level below which 90 % of pixels fall: the background's brightness.
        var cumulative = 0;
        var bright = 0;
        for (var level = 0; level < 256; level++)
        {
            cumulative += histogram[level];
            if (cumulative >= image.Width * image.Height * 9 / 10)
            {
                bright = level;
                break;
            }
        }

        return new Stats(nucleus, nucleus == 0 ? 0 : (double)nucleusSum / nucleus, red, blue, bright);
    }

    [Theory]
    [InlineData(CellClass.Benign)]
    [InlineData(CellClass.Pro)]
    public void Render_reports_where_the_leukocytes_were_drawn(CellClass cellClass)
    {
        var generator = new SmearGenerator(Seed);
        using var smear = generator.Render(cellClass, 3);
        using var image = generator.Generate(cellClass, 3);

        Assert.NotEmpty(smear.Leukocytes);
        var expected = new Rgb24[image.Width * image.Height];
        var actual = new Rgb24[expected.Length];
        image.CopyPixelDataTo(expected);
        smear.Image.CopyPixelDataTo(actual);
        Assert.Equal(expected, actual);
        var luminance = Enumerable.Range(0, image.Width * image.Height)
            .Select(i => expected[i].R + expected[i].G + expected[i].B)
            .Order()
            .ToArray();
        var median = luminance[luminance.Length / 2];
        foreach (var cell in smear.Leukocytes)
        {
            // Stained cells are darker than the plasma and red cells that fill most of the field.
            var centre = smear.Image[(int)cell.X, (int)cell.Y];
            Assert.True(centre.R + centre.G + centre.B < median, $"cell at ({cell.X:F0},{cell.Y:F0}) is not darker than the field");
            Assert.InRange(cell.Radius, 10f, 80f);
        }
    }

    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
