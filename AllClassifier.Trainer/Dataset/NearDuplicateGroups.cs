using System.Numerics.Tensors;
using AllClassifier.Model;

namespace AllClassifier.Trainer.Dataset;

/// <summary>
/// Groups of near-duplicate images of one class. Two images are linked when their difference hashes are at most
/// <c>maxDistance</c> bits apart or, where both have backbone features, when the cosine of those features is at least
/// <c>minCosine</c>; linked images form one group (transitively, with union-find). The two criteria catch different
/// re-captures: the hash a frame with the same layout, the features one whose pixels moved but whose content did not.
/// Groups are formed from dataset images only, so feedback cannot merge two groups and move a dataset image into
/// another split; a feedback image joins the group of its most similar linked dataset image. A group's key is the
/// smallest content hash of its dataset images, so it is the same in every run.
/// </summary>
public sealed class NearDuplicateGroups
{
    public const int DefaultMaxDistance = 10;

    /// <summary>
    /// The lowest cosine at which groups stay small on the public ALL dataset (ResNet18 features, bench/grouping.sh):
    /// at 0.98 the largest group has 8 images, at 0.9775 transitive links already chain 150 images of one class
    /// together and at 0.975 over 300. Erring low keeps more re-captures together.
    /// </summary>
    public const double DefaultMinCosine = 0.98;

    private readonly Dictionary<string, string> groupOfImage;

    private NearDuplicateGroups(Dictionary<string, string> groupOfImage, int datasetGroups, int hashLinks, int featureLinks)
    {
        this.groupOfImage = groupOfImage;
        DatasetGroups = datasetGroups;
        HashLinks = hashLinks;
        FeatureLinks = featureLinks;
    }

    /// <summary>Every image is its own group.</summary>
    public static NearDuplicateGroups None { get; } = new(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase), 0, 0, 0);

    /// <summary>How many groups the dataset images formed.</summary>
    public int DatasetGroups { get; }

    /// <summary>Pairs of dataset images linked by their difference hashes.</summary>
    public int HashLinks { get; }

    /// <summary>Pairs of dataset images linked by their features (a pair may also be a hash link).</summary>
    public int FeatureLinks { get; }

    /// <summary>The group key of an image (its own content hash when it was not grouped).</summary>
    public string KeyOf(ManifestEntry image) => groupOfImage.GetValueOrDefault(image.Sha256, image.Sha256.ToLowerInvariant());

    /// <summary>Whether the image shares its group with a dataset image other than itself.</summary>
    public bool IsGrouped(ManifestEntry image) => KeyOf(image) != image.Sha256.ToLowerInvariant();

    public static NearDuplicateGroups Form(IReadOnlyList<HashedImage> images, int maxDistance = DefaultMaxDistance, double minCosine = DefaultMinCosine)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDistance);
        var groupOfImage = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int datasetGroups = 0, hashLinks = 0, featureLinks = 0;
        foreach (var cellClass in CellClasses.All)
        {
            var dataset = images
                .Where(image => image.Entry.Class == cellClass && !image.Entry.IsFeedback)
                .DistinctBy(image => image.Entry.Sha256, StringComparer.OrdinalIgnoreCase)
                .Select(image => new Signature(image, maxDistance, minCosine))
                .ToList();
            var parent = Enumerable.Range(0, dataset.Count).ToArray();
            for (var i = 0; i < dataset.Count; i++)
            {
                for (var j = i + 1; j < dataset.Count; j++)
                {
                    var link = dataset[i].LinkTo(dataset[j]);
                    hashLinks += link.ByHash ? 1 : 0;
                    featureLinks += link.ByFeatures ? 1 : 0;
                    if (link.Linked)
                    {
                        parent[Root(parent, i)] = Root(parent, j);
                    }
                }
            }

            var keyOfRoot = Enumerable.Range(0, dataset.Count)
                .GroupBy(i => Root(parent, i))
                .ToDictionary(group => group.Key, group => group.Select(i => dataset[i].Sha256).Min(StringComparer.Ordinal)!);
            datasetGroups += keyOfRoot.Count;
            for (var i = 0; i < dataset.Count; i++)
            {
                groupOfImage[dataset[i].Sha256] = keyOfRoot[Root(parent, i)];
            }

            foreach (var feedback in images.Where(image => image.Entry.Class == cellClass && image.Entry.IsFeedback))
            {
                var signature = new Signature(feedback, maxDistance, minCosine);
                var nearest = dataset
                    .Select((image, index) => (Index: index, Link: signature.LinkTo(image)))
                    .Where(candidate => candidate.Link.Linked)
                    .OrderBy(candidate => candidate.Link.Distance)
                    .ThenByDescending(candidate => candidate.Link.Cosine)
                    .ThenBy(candidate => keyOfRoot[Root(parent, candidate.Index)], StringComparer.Ordinal)
                    .Select(candidate => candidate.Index)
                    .FirstOrDefault(-1);
                if (nearest >= 0)
                {
                    groupOfImage[feedback.Entry.Sha256] = keyOfRoot[Root(parent, nearest)];
                }
            }
        }

        return new NearDuplicateGroups(groupOfImage, datasetGroups, hashLinks, featureLinks);
    }

    private static int Root(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }

        return i;
    }

    private readonly record struct Link(bool ByHash, bool ByFeatures, int Distance, float Cosine)
    {
        public bool Linked => ByHash || ByFeatures;
    }

    /// <summary>An image's hash and its features scaled to unit length, so a cosine is one dot product.</summary>
    private sealed class Signature
    {
        private readonly ulong hash;
        private readonly float[]? unitFeatures;
        private readonly int maxDistance;
        private readonly double minCosine;

        public Signature(HashedImage image, int maxDistance, double minCosine)
        {
            Sha256 = image.Entry.Sha256.ToLowerInvariant();
            hash = image.Hash;
            this.maxDistance = maxDistance;
            this.minCosine = minCosine;
            if (image.Features is { } features && TensorPrimitives.Norm(features) is > 0 and var norm)
            {
                unitFeatures = new float[features.Length];
                TensorPrimitives.Divide(features, norm, unitFeatures);
            }
        }

        public string Sha256 { get; }

        public Link LinkTo(Signature other)
        {
            var distance = DifferenceHash.Distance(hash, other.hash);
            var cosine = unitFeatures is not null && other.unitFeatures is not null
                ? TensorPrimitives.Dot(unitFeatures, other.unitFeatures)
                : float.NegativeInfinity;
            return new Link(distance <= maxDistance, cosine >= minCosine, distance, cosine);
        }
    }
}

/// <summary>
/// A manifest entry with the difference hash of its processed image and, when images are also grouped by content,
/// its backbone features.
/// </summary>
public sealed record HashedImage(ManifestEntry Entry, ulong Hash, float[]? Features = null);
