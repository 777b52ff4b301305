using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using AllClassifier.Model;

namespace AllClassifier.Trainer.Dataset;

/// <summary>The train, validation and test manifests of one dataset.</summary>
public sealed record DataSplit(IReadOnlyList<ManifestEntry> Train, IReadOnlyList<ManifestEntry> Validation, IReadOnlyList<ManifestEntry> Test)
{
    public const double DefaultTestFraction = 0.15;
    public const double DefaultValidationFraction = 0.15;

    /// <summary>
    /// Splits per class, keeping each group of near-duplicates (<paramref name="groups"/>; every image on its own
    /// when null) inside one split: groups are ordered by SHA-256(seed ‖ group key) and dealt to the test split while
    /// that brings it closer to its share of the class's dataset images, then likewise to validation, the rest to
    /// training. Feedback images never enter the test split: one grouped with dataset images follows its group
    /// (validation when the group is in test), any other goes to validation or training by the same key on its own,
    /// so the test split of a dataset is identical across runs whatever feedback arrives. Each content hash lands in
    /// one split only.
    /// </summary>
    public static DataSplit Create(
        IReadOnlyList<ManifestEntry> images,
        int seed,
        double testFraction = DefaultTestFraction,
        double validationFraction = DefaultValidationFraction,
        NearDuplicateGroups? groups = null)
    {
        if (testFraction < 0 || validationFraction < 0 || testFraction + validationFraction >= 1)
        {
            throw new ArgumentException("The test and validation fractions must be non-negative and sum to less than 1.");
        }

        groups ??= NearDuplicateGroups.None;
        var unique = images.DistinctBy(image => image.Sha256, StringComparer.OrdinalIgnoreCase).ToList();
        var train = new List<ManifestEntry>();
        var validation = new List<ManifestEntry>();
        var test = new List<ManifestEntry>();
        var feedbackValidationShare = validationFraction / (1 - testFraction);
        foreach (var cellClass in CellClasses.All)
        {
            var ofClass = unique.Where(image => image.Class == cellClass).ToList();
            var datasetGroups = ofClass
                .Where(image => !image.IsFeedback)
                .GroupBy(groups.KeyOf, StringComparer.Ordinal)
                .OrderBy(group => OrderingKey(seed, group.Key), StringComparer.Ordinal)
                .ToList();
            var datasetCount = datasetGroups.Sum(group => group.Count());
            var testTarget = Math.Round(datasetCount * testFraction, MidpointRounding.AwayFromZero);
            var validationTarget = Math.Round(datasetCount * validationFraction, MidpointRounding.AwayFromZero);
            var splitOfGroup = new Dictionary<string, List<ManifestEntry>>(StringComparer.Ordinal);
            int testTaken = 0, validationTaken = 0;
            foreach (var group in datasetGroups)
            {
                var members = group.OrderBy(image => image.Sha256, StringComparer.OrdinalIgnoreCase).ToList();
                // A group goes where it brings the count closer to the target, so a large group cannot swell a split.
                List<ManifestEntry> destination;
                if (testTaken + (members.Count / 2.0) < testTarget)
                {
                    destination = test;
                    testTaken += members.Count;
                }
                else if (validationTaken + (members.Count / 2.0) < validationTarget)
                {
                    destination = validation;
                    validationTaken += members.Count;
                }
                else
                {
                    destination = train;
                }

                destination.AddRange(members);
                splitOfGroup[group.Key] = destination;
            }

            foreach (var image in ofClass.Where(image => image.IsFeedback).OrderBy(image => image.Sha256, StringComparer.OrdinalIgnoreCase))
            {
                var destination = splitOfGroup.GetValueOrDefault(groups.KeyOf(image))
                    ?? (UnitInterval(OrderingKey(seed, image.Sha256)) < feedbackValidationShare ? validation : train);
                (destination == test ? validation : destination).Add(image);
            }
        }

        return new DataSplit(train, validation, test);
    }

    /// <summary>SHA-256 over the sorted content hashes and labels: the identity of a set of labelled images.</summary>
    public static string Fingerprint(IEnumerable<ManifestEntry> images)
    {
        var lines = images
            .Select(image => $"{image.Sha256.ToLowerInvariant()} {image.Class.Name()}")
            .Order(StringComparer.Ordinal);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', lines))));
    }

    private static string OrderingKey(int seed, string sha256)
    {
        var bytes = Encoding.UTF8.GetBytes($"{seed}|{sha256.ToLowerInvariant()}");
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    private static double UnitInterval(string hexKey) =>
        BinaryPrimitives.ReadUInt64BigEndian(Convert.FromHexString(hexKey.AsSpan(0, 16))) / (double)ulong.MaxValue;
}
