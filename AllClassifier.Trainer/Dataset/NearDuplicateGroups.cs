using AllClassifier.Model;

namespace AllClassifier.Trainer.Dataset;

/// <summary>
/// Groups of near-duplicate images of one class: images whose difference hashes are at most
/// <c>maxDistance</c> bits apart are linked, and linked images form one group (transitively, with union-find).
/// Groups are formed from dataset images only, so feedback cannot merge two groups and move a dataset image
/// into another split; a feedback image joins the group of its nearest dataset image within the distance.
/// A group's key is the smallest content hash of its dataset images, so it is the same in every run.
/// </summary>
public sealed class NearDuplicateGroups
{
    public const int DefaultMaxDistance = 10;

    private readonly Dictionary<string, string> groupOfImage;

    private NearDuplicateGroups(Dictionary<string, string> groupOfImage, int datasetGroups)
    {
        this.groupOfImage = groupOfImage;
        DatasetGroups = datasetGroups;
    }

    /// <summary>Every image is its own group.</summary>
    public static NearDuplicateGroups None { get; } = new(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase), 0);

    /// <summary>How many groups the dataset images formed.</summary>
    public int DatasetGroups { get; }

    /// <summary>The group key of an image (its own content hash when it was not grouped).</summary>
    public string KeyOf(ManifestEntry image) => groupOfImage.GetValueOrDefault(image.Sha256, image.Sha256.ToLowerInvariant());

    /// <summary>Whether the image shares its group with a dataset image other than itself.</summary>
    public bool IsGrouped(ManifestEntry image) => KeyOf(image) != image.Sha256.ToLowerInvariant();

    public static NearDuplicateGroups Form(IReadOnlyList<HashedImage> images, int maxDistance = DefaultMaxDistance)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDistance);
        var groupOfImage = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var datasetGroups = 0;
        foreach (var cellClass in CellClasses.All)
        {
            var dataset = images
                .Where(image => image.Entry.Class == cellClass && !image.Entry.IsFeedback)
                .DistinctBy(image => image.Entry.Sha256, StringComparer.OrdinalIgnoreCase)
                .ToList();
            var parent = Enumerable.Range(0, dataset.Count).ToArray();
            for (var i = 0; i < dataset.Count; i++)
            {
                for (var j = i + 1; j < dataset.Count; j++)
                {
                    if (DifferenceHash.Distance(dataset[i].Hash, dataset[j].Hash) <= maxDistance)
                    {
                        parent[Root(parent, i)] = Root(parent, j);
                    }
                }
            }

            var keyOfRoot = Enumerable.Range(0, dataset.Count)
                .GroupBy(i => Root(parent, i))
                .ToDictionary(group => group.Key, group => group.Select(i => dataset[i].Entry.Sha256.ToLowerInvariant()).Min(StringComparer.Ordinal)!);
            datasetGroups += keyOfRoot.Count;
            for (var i = 0; i < dataset.Count; i++)
            {
                groupOfImage[dataset[i].Entry.Sha256] = keyOfRoot[Root(parent, i)];
            }

            foreach (var feedback in images.Where(image => image.Entry.Class == cellClass && image.Entry.IsFeedback))
            {
                var nearest = dataset
                    .Select((image, index) => (Index: index, Distance: DifferenceHash.Distance(image.Hash, feedback.Hash)))
                    .Where(candidate => candidate.Distance <= maxDistance)
                    .OrderBy(candidate => candidate.Distance)
                    .ThenBy(candidate => keyOfRoot[Root(parent, candidate.Index)], StringComparer.Ordinal)
                    .FirstOrDefault((Index: -1, Distance: 0));
                if (nearest.Index >= 0)
                {
                    groupOfImage[feedback.Entry.Sha256] = keyOfRoot[Root(parent, nearest.Index)];
                }
            }
        }

        return new NearDuplicateGroups(groupOfImage, datasetGroups);
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
}

/// <summary>A manifest entry with the difference hash of its processed image.</summary>
public sealed record HashedImage(ManifestEntry Entry, ulong Hash);
