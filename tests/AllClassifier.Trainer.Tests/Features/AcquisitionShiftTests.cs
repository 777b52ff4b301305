using AllClassifier.Model.Imaging;
using AllClassifier.Trainer.Features;
using AllClassifier.Training.Augmentation;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AllClassifier.Trainer.Tests.Features;

/// <summary>
/// The acquisition shifts on a generated 224x224 field: a pale pink background with one violet square nucleus of side
/// 100 in the middle, whose size, colour and edges each shift must change in its own way.
/// </summary>
public sealed class AcquisitionShiftTests
{
    private const int Size = ImagePreprocessor.Size;
    private const int Nucleus = 100;
    private static readonly Rgb24 Background = new(225, 190, 200);
    private static readonly Rgb24 Violet = new(110, 60, 150);
    private static readonly byte[] Field = FieldPng();

    [Theory]
    [InlineData(-1, 90)]
    [InlineData(1, 110)]
    public void Rescaling_magnifies_about_the_centre_and_keeps_the_size(double strength, int expectedSide)
    {
        using var shifted = Decode(new AcquisitionShift(AcquisitionShiftKind.Scale, strength).Apply(Field));

        Assert.Equal(new Size(Size, Size), shifted.Size());
        Assert.InRange(NucleusWidth(shifted), expectedSide - 2, expectedSide + 2);
    }

    [Fact]
    public void A_reduced_image_is_framed_by_its_mirror_image()
    {
        using var original = Decode(TestImages.Png(3, Size, Size));
        using var reduced = Decode(new AcquisitionShift(AcquisitionShiftKind.Scale, -1).Apply(TestImages.Png(3, Size, Size)));

        // 224 * 0.9 = 202 pixels wide, 11 pixels of frame each side: pixel 10 mirrors pixel 11, pixel 0 mirrors 21.
        Assert.Equal(reduced[11, Size / 2], reduced[10, Size / 2]);
        Assert.Equal(reduced[21, Size / 2], reduced[0, Size / 2]);
        Assert.Equal(reduced[Size - 12, Size / 2], reduced[Size - 11, Size / 2]);
        Assert.NotEqual(original[0, Size / 2], reduced[0, Size / 2]);
    }

    [Fact]
    public void A_cooler_brighter_stain_lowers_red_against_blue_and_raises_brightness()
    {
        using var original = Decode(Field);
        using var shifted = Decode(new AcquisitionShift(AcquisitionShiftKind.Stain, 1).Apply(Field));

        var (before, after) = (shifted[Size / 2, Size / 2], original[Size / 2, Size / 2]);
        Assert.True((double)before.R / before.B < (double)after.R / after.B);
        Assert.True(Brightness(shifted) > Brightness(original));
    }

    [Fact]
    public void A_hue_shift_changes_colour_but_not_layout_and_blur_softens_edges()
    {
        using var original = Decode(Field);
        using var hue = Decode(new AcquisitionShift(AcquisitionShiftKind.Hue, 1).Apply(Field));
        using var blur = Decode(new AcquisitionShift(AcquisitionShiftKind.Blur, 1).Apply(Field));

        Assert.NotEqual(original[Size / 2, Size / 2], hue[Size / 2, Size / 2]);
        Assert.Equal(Nucleus, NucleusWidth(hue));
        Assert.True(EdgeEnergy(blur) < EdgeEnergy(original) * 0.8);
    }

    [Fact]
    public void Jpeg_recompression_is_a_jpeg_the_shared_preprocessing_reads()
    {
        var jpeg = new AcquisitionShift(AcquisitionShiftKind.Jpeg, 1).Apply(Field);

        Assert.Equal([0xFF, 0xD8], jpeg.Take(2));
        Assert.Equal(ImagePreprocessor.TensorLength, new ImagePreprocessor().ToTensor(jpeg).Length);
    }

    [Theory]
    [InlineData(AcquisitionShiftKind.Stain)]
    [InlineData(AcquisitionShiftKind.Hue)]
    [InlineData(AcquisitionShiftKind.Blur)]
    [InlineData(AcquisitionShiftKind.Scale)]
    public void Strength_zero_leaves_the_image_as_it_was(AcquisitionShiftKind kind)
    {
        using var original = Decode(Field);
        using var shifted = Decode(new AcquisitionShift(kind, 0).Apply(Field));

        for (var y = 0; y < Size; y += 7)
        {
            for (var x = 0; x < Size; x += 7)
            {
                Assert.InRange(Math.Abs(original[x, y].R - shifted[x, y].R) + Math.Abs(original[x, y].B - shifted[x, y].B), 0, 2);
            }
        }
    }

    [Fact]
    public void Augmentations_depend_only_on_the_image_and_change_magnification_colour_and_optics_together()
    {
        var shas = Enumerable.Range(0, 200).Select(i => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)))).ToList();

        var first = shas.Select(sha => AcquisitionShift.Augmentations(sha, 2)).ToList();
        var again = shas.Select(sha => AcquisitionShift.Augmentations(sha, 2)).ToList();
        var more = shas.Select(sha => AcquisitionShift.Augmentations(sha, 3)).ToList();

        Assert.Equal(first.SelectMany(shifts => shifts), again.SelectMany(shifts => shifts));
        Assert.All(first.Zip(more), pair => Assert.Equal(pair.First, pair.Second.Take(2)));
        var all = first.SelectMany(shifts => shifts).ToList();
        Assert.All(all, shift =>
        {
            var steps = Steps(shift);
            Assert.Equal(3, steps.Count);
            Assert.Equal(AcquisitionShiftKind.Scale, steps[0].Kind);
            Assert.Contains(steps[1].Kind, new[] { AcquisitionShiftKind.Stain, AcquisitionShiftKind.Hue });
            Assert.Contains(steps[2].Kind, new[] { AcquisitionShiftKind.Blur, AcquisitionShiftKind.Jpeg });
            Assert.All(steps, step => Assert.InRange(step.Strength, step.Kind is AcquisitionShiftKind.Blur or AcquisitionShiftKind.Jpeg ? 0 : -1, 1));
        });
        Assert.Equal(Enum.GetValues<AcquisitionShiftKind>().Length, all.SelectMany(Steps).Select(step => step.Kind).Distinct().Count());
        Assert.Equal(all.Count, all.Select(shift => shift.Key).Distinct().Count());
        Assert.Empty(AcquisitionShift.Augmentations(shas[0], 0));
    }

    [Fact]
    public void A_chained_shift_is_its_steps_applied_in_order()
    {
        var chain = new AcquisitionShift(AcquisitionShiftKind.Scale, -0.5) { Then = new AcquisitionShift(AcquisitionShiftKind.Stain, 0.8) { Then = new(AcquisitionShiftKind.Jpeg, 0.6) } };

        var stepByStep = new AcquisitionShift(AcquisitionShiftKind.Jpeg, 0.6).Apply(
            new AcquisitionShift(AcquisitionShiftKind.Stain, 0.8).Apply(new AcquisitionShift(AcquisitionShiftKind.Scale, -0.5).Apply(Field)));

        Assert.Equal(stepByStep, chain.Apply(Field));
        Assert.Equal("scale:-0.500+stain:0.800+jpeg:0.600", chain.Key);
    }

    [Fact]
    public void A_shift_applied_in_memory_gives_the_pixels_its_encoded_result_decodes_to()
    {
        // Features of shifted copies are cached by the shift's key; the in-memory path must not change them.
        var chains = AcquisitionShift.Augmentations(new string('c', 64), 6)
            .Append(new AcquisitionShift(AcquisitionShiftKind.Jpeg, 0.6) { Then = new AcquisitionShift(AcquisitionShiftKind.Blur, 0.7) })
            .ToList();
        Assert.Contains(chains, chain => Steps(chain).Any(step => step.Kind == AcquisitionShiftKind.Jpeg));
        using var field = Decode(Field);

        foreach (var chain in chains)
        {
            using var encoded = Decode(chain.Apply(Field));
            using var inMemory = chain.Apply(field);

            Assert.Equal(Pixels(encoded), Pixels(inMemory));
        }
    }

    private static Rgb24[] Pixels(Image<Rgb24> image)
    {
        var pixels = new Rgb24[image.Width * image.Height];
        image.CopyPixelDataTo(pixels);
        return pixels;
    }

    private static List<AcquisitionShift> Steps(AcquisitionShift shift)
    {
        var steps = new List<AcquisitionShift>();
        for (AcquisitionShift? step = shift; step is not null; step = step.Then)
        {
            steps.Add(step with { Then = null });
        }

        return steps;
    }

    private static byte[] FieldPng()
    {
        using var image = new Image<Rgb24>(Size, Size, Background);
        var start = (Size - Nucleus) / 2;
        for (var y = start; y < start + Nucleus; y++)
        {
            for (var x = start; x < start + Nucleus; x++)
            {
                image[x, y] = Violet;
            }
        }

        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    private static Image<Rgb24> Decode(byte[] bytes) => Image.Load<Rgb24>(bytes);

    private static double Brightness(Image<Rgb24> image)
    {
        double sum = 0;
        for (var y = 0; y < Size; y++)
        {
            for (var x = 0; x < Size; x++)
            {
                sum += image[x, y].R + image[x, y].G + image[x, y].B;
            }
        }

        return sum / (3.0 * Size * Size);
    }

    private static int NucleusWidth(Image<Rgb24> image) => Enumerable.Range(0, Size).Count(x => image[x, Size / 2].R < 170);

    /// <summary>Sum of squared differences between horizontal neighbours, in the green channel: blur spreads a step thinner.</summary>
    private static double EdgeEnergy(Image<Rgb24> image)
    {
        double sum = 0;
        for (var y = 0; y < Size; y++)
        {
            for (var x = 1; x < Size; x++)
            {
                sum += Math.Pow(image[x, y].G - image[x - 1, y].G, 2);
            }
        }

        return sum;
    }
}
