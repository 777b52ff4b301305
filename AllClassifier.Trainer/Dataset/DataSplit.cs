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
    /// Splits per class, ordering images by SHA-256(seed ‖ content hash): the first share of each class's dataset
    /// images is the test split, the next the validation split, the rest training. Feedback images never enter
    /// the test split, and each one goes to validation or training by the same key on its own, so the test split
    /// of a dataset is identical across runs whatever feedback arrives. Each content hash lands in one split only.
    /// </summary>
    public static DataSplit Create(
        IReadOnlyList<ManifestEntry> images,
        int seed,
        double testFraction = DefaultTestFraction,
        double validationFraction = DefaultValidationFraction)
    {
        if (testFraction < 0 || validationFraction < 0 || testFraction + validationFraction >= 1)
        {
            throw new ArgumentException("The test and validation fractions must be non-negative and sum to less than 1.");
        }

        var unique = images.DistinctBy(image => image.Sha256, StringComparer.OrdinalIgnoreCase).ToList();
        var train = new List<ManifestEntry>();
        var validation = new List<ManifestEntry>();
        var test = new List<ManifestEntry>();
        var feedbackValidationShare = validationFraction / (1 - testFraction);
        foreach (var cellClass in CellClasses.All)
        {
            var ordered = unique
                .Where(image => image.Class == cellClass)
                .Select(image => (Image: image, Key: OrderingKey(seed, image.Sha256)))
                .OrderBy(item => item.Key, StringComparer.Ordinal)
                .ToList();
            var dataset = ordered.Where(item => !item.Image.IsFeedback).Select(item => item.Image).ToList();
            var testCount = (int)Math.Round(dataset.Count * testFraction, MidpointRounding.AwayFromZero);
            var validationCount = (int)Math.Round(dataset.Count * validationFraction, MidpointRounding.AwayFromZero);
            test.AddRange(dataset.Take(testCount));
            validation.AddRange(dataset.Skip(testCount).Take(validationCount));
            train.AddRange(dataset.Skip(testCount + validationCount));

            foreach (var (image, key) in ordered.Where(item => item.Image.IsFeedback))
            {
                (UnitInterval(key) < feedbackValidationShare ? validation : train).Add(image);
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
