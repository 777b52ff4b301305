using AllClassifier.Model;
using AllClassifier.Model.Imaging;
using AllClassifier.Training.Synthetic;
using AllClassifier.Trainer.Dataset;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace AllClassifier.Trainer.Tests.Dataset;

/// <summary>
/// Near-duplicates are generated smears re-captured with a small shift, sensor noise and JPEG compression; they
/// must stay in one group and one split, while distinct smears stay apart.
/// </summary>
public sealed class NearDuplicateGroupsTests
{
    private const int FieldsPerClass = 24;
    private static readonly SmearGenerator Generator = new(seed: 11);

    // Every third field of each class is captured three times: the original and two shifted, noisy copies.
    private static readonly IReadOnlyList<Capture> Captured = CellClasses.All
        .SelectMany(cellClass => Enumerable.Range(0, FieldsPerClass).SelectMany(field => Captures(cellClass, field)))
        .ToList();

    private static readonly IReadOnlyList<HashedImage> Images = Captured.Select(capture => capture.Image).ToList();

    [Fact]
    public void A_shifted_noisy_recompressed_recapture_is_within_the_distance_and_other_fields_are_not()
    {
        using var original = Generator.Generate(CellClass.Pre, 0);
        using var recapture = Recapture(original, shiftX: 4, shiftY: 3, noiseSeed: 1);
        using var otherField = Generator.Generate(CellClass.Pre, 1);

        Assert.InRange(DifferenceHash.Distance(DifferenceHash.Of(original), DifferenceHash.Of(recapture)), 0, NearDuplicateGroups.DefaultMaxDistance);
        Assert.True(DifferenceHash.Distance(DifferenceHash.Of(original), DifferenceHash.Of(otherField)) > NearDuplicateGroups.DefaultMaxDistance);
    }

    [Fact]
    public void Recaptures_of_one_field_form_one_group_and_distinct_fields_their_own()
    {
        var groups = NearDuplicateGroups.Form(Images);

        Assert.Equal(CellClasses.All.Count * FieldsPerClass, groups.DatasetGroups);
        foreach (var field in Images.GroupBy(image => FieldOf(image.Entry)))
        {
            Assert.Single(field.Select(image => groups.KeyOf(image.Entry)).Distinct());
        }
    }

    [Fact]
    public void Every_group_stays_inside_one_split_for_every_seed_and_the_split_stays_stratified()
    {
        var groups = NearDuplicateGroups.Form(Images);
        var entries = Images.Select(image => image.Entry).ToList();

        foreach (var seed in Enumerable.Range(1, 8))
        {
            var split = DataSplit.Create(entries, seed, groups: groups);

            var splitOf = new[] { split.Train, split.Validation, split.Test }
                .SelectMany((part, index) => part.Select(entry => (entry.Sha256, index)))
                .ToDictionary(item => item.Sha256, item => item.index);
            Assert.Equal(entries.Count, splitOf.Count);
            Assert.All(entries.GroupBy(FieldOf), field => Assert.Single(field.Select(entry => splitOf[entry.Sha256]).Distinct()));
            foreach (var cellClass in CellClasses.All)
            {
                Assert.InRange(split.Test.Count(entry => entry.Class == cellClass), 3, 7);
                Assert.InRange(split.Validation.Count(entry => entry.Class == cellClass), 3, 7);
            }
        }
    }

    [Fact]
    public void Groups_and_split_do_not_depend_on_input_order()
    {
        var reversed = Images.Reverse().ToList();

        var first = DataSplit.Create(Images.Select(image => image.Entry).ToList(), seed: 3, groups: NearDuplicateGroups.Form(Images));
        var second = DataSplit.Create(reversed.Select(image => image.Entry).ToList(), seed: 3, groups: NearDuplicateGroups.Form(reversed));

        Assert.Equal(Hashes(first.Test), Hashes(second.Test));
        Assert.Equal(Hashes(first.Validation), Hashes(second.Validation));
    }

    [Fact]
    public void Feedback_recapturing_a_test_field_goes_to_validation_and_leaves_the_test_split_unchanged()
    {
        var groups = NearDuplicateGroups.Form(Images);
        var entries = Images.Select(image => image.Entry).ToList();
        var before = DataSplit.Create(entries, seed: 5, groups: groups);
        var testField = before.Test.First();
        using var original = Image.Load<Rgb24>(Captured.First(capture => capture.Image.Entry == testField).Png);
        using var recapture = Recapture(original, shiftX: -3, shiftY: 2, noiseSeed: 9);
        var feedback = Hashed(recapture, testField.Label, ImageSource.Feedback, "feedback-0").Image;

        var withFeedback = Images.Append(feedback).ToList();
        var after = DataSplit.Create(withFeedback.Select(image => image.Entry).ToList(), seed: 5, groups: NearDuplicateGroups.Form(withFeedback));

        Assert.Equal(Hashes(before.Test), Hashes(after.Test));
        Assert.Contains(feedback.Entry, after.Validation);
    }

    private static IEnumerable<Capture> Captures(CellClass cellClass, int field)
    {
        using var original = Generator.Generate(cellClass, field);
        yield return Hashed(original, cellClass.Name(), ImageSource.Dataset, $"{cellClass}-{field}-0");
        if (field % 3 == 0)
        {
            foreach (var copy in new[] { 1, 2 })
            {
                using var recapture = Recapture(original, shiftX: copy * 2, shiftY: -copy, noiseSeed: (field * 10) + copy);
                yield return Hashed(recapture, cellClass.Name(), ImageSource.Dataset, $"{cellClass}-{field}-{copy}");
            }
        }
    }

    /// <summary>The same field moved by a few pixels (edges repeated), with seeded sensor noise, saved as JPEG.</summary>
    private static Image<Rgb24> Recapture(Image<Rgb24> original, int shiftX, int shiftY, int noiseSeed)
    {
        var random = new Random(noiseSeed);
        var shifted = new Image<Rgb24>(original.Width, original.Height);
        for (var y = 0; y < original.Height; y++)
        {
            for (var x = 0; x < original.Width; x++)
            {
                var source = original[Math.Clamp(x + shiftX, 0, original.Width - 1), Math.Clamp(y + shiftY, 0, original.Height - 1)];
                shifted[x, y] = new Rgb24(Noisy(source.R, random), Noisy(source.G, random), Noisy(source.B, random));
            }
        }

        using var stream = new MemoryStream();
        shifted.Save(stream, new JpegEncoder { Quality = 80 });
        shifted.Dispose();
        return Image.Load<Rgb24>(stream.ToArray());
    }

    private static byte Noisy(byte value, Random random) => (byte)Math.Clamp(value + random.Next(-8, 9), 0, 255);

    private static Capture Hashed(Image<Rgb24> image, string label, string source, string field)
    {
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        var png = stream.ToArray();
        var entry = new ManifestEntry($"processed/{field}.png", label, ImageHash.Sha256(png), source);
        return new Capture(new HashedImage(entry, DifferenceHash.Of(image)), field[..field.LastIndexOf('-')], png);
    }

    private static string FieldOf(ManifestEntry entry) => Captured.First(capture => capture.Image.Entry == entry).Field;

    private static List<string> Hashes(IEnumerable<ManifestEntry> entries) => entries.Select(entry => entry.Sha256).Order().ToList();

    private sealed record Capture(HashedImage Image, string Field, byte[] Png);
}
