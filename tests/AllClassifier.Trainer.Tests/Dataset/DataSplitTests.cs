using System.Security.Cryptography;
using System.Text;
using AllClassifier.Model;
using AllClassifier.Trainer.Dataset;

namespace AllClassifier.Trainer.Tests.Dataset;

public sealed class DataSplitTests
{
    private static readonly IReadOnlyList<ManifestEntry> Images = CellClasses.All
        .SelectMany(c => Enumerable.Range(0, 40 + ((int)c * 20)).Select(i => Entry(c, $"{c}-{i}", ImageSource.Dataset)))
        .ToList();

    [Fact]
    public void Split_is_stratified_with_15_percent_test_and_validation_per_class()
    {
        var split = DataSplit.Create(Images, seed: 7);

        foreach (var c in CellClasses.All)
        {
            var total = Images.Count(i => i.Class == c);
            var expected = (int)Math.Round(total * 0.15, MidpointRounding.AwayFromZero);
            Assert.Equal(expected, split.Test.Count(i => i.Class == c));
            Assert.Equal(expected, split.Validation.Count(i => i.Class == c));
            Assert.Equal(total - (2 * expected), split.Train.Count(i => i.Class == c));
        }
    }

    [Fact]
    public void Split_depends_on_the_seed_and_content_not_on_input_order()
    {
        var first = DataSplit.Create(Images, seed: 7);
        var shuffled = DataSplit.Create(Images.Reverse().ToList(), seed: 7);
        var otherSeed = DataSplit.Create(Images, seed: 8);

        Assert.Equal(Hashes(first.Test), Hashes(shuffled.Test));
        Assert.Equal(Hashes(first.Validation), Hashes(shuffled.Validation));
        Assert.Equal(Hashes(first.Train), Hashes(shuffled.Train));
        Assert.NotEqual(Hashes(first.Test), Hashes(otherSeed.Test));
    }

    [Fact]
    public void A_duplicate_never_lands_in_two_splits()
    {
        var withDuplicates = Images.Concat(Images.Take(30).Select(i => i with { Path = "copy/" + i.Path })).ToList();

        var split = DataSplit.Create(withDuplicates, seed: 7);

        var all = split.Train.Concat(split.Validation).Concat(split.Test).Select(i => i.Sha256).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(Images.Count, all.Count);
    }

    [Fact]
    public void Feedback_joins_train_or_validation_only_and_leaves_the_test_split_unchanged()
    {
        var feedback = CellClasses.All
            .SelectMany(c => Enumerable.Range(0, 50).Select(i => Entry(c, $"feedback-{c}-{i}", ImageSource.Feedback)))
            .ToList();

        var before = DataSplit.Create(Images, seed: 7);
        var after = DataSplit.Create(Images.Concat(feedback).ToList(), seed: 7);

        Assert.Equal(Hashes(before.Test), Hashes(after.Test));
        Assert.DoesNotContain(after.Test, i => i.IsFeedback);
        Assert.Equal(feedback.Count, after.Train.Count(i => i.IsFeedback) + after.Validation.Count(i => i.IsFeedback));
        Assert.InRange(after.Validation.Count(i => i.IsFeedback), 1, feedback.Count / 2);
        Assert.InRange(after.Train.Count(i => i.IsFeedback), feedback.Count / 2, feedback.Count - 1);
        Assert.Equal(Hashes(before.Validation), Hashes(after.Validation.Where(i => !i.IsFeedback)));
    }

    [Fact]
    public void Fingerprint_identifies_the_labelled_set_regardless_of_order()
    {
        Assert.Equal(DataSplit.Fingerprint(Images), DataSplit.Fingerprint(Images.Reverse()));
        Assert.NotEqual(DataSplit.Fingerprint(Images), DataSplit.Fingerprint(Images.Skip(1)));
        var relabelled = Images.Select((i, n) => n == 0 ? i with { Label = "Pro" } : i);
        Assert.NotEqual(DataSplit.Fingerprint(Images), DataSplit.Fingerprint(relabelled));
    }

    private static ManifestEntry Entry(CellClass c, string name, string source) =>
        new($"processed/{name}.png", c.Name(), Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name))), source);

    private static List<string> Hashes(IEnumerable<ManifestEntry> entries) => entries.Select(i => i.Sha256).Order().ToList();
}
