using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using AllClassifier.Model;
using AllClassifier.Trainer.Dataset;

namespace AllClassifier.Trainer.Tests.Dataset;

/// <summary>
/// Grouping by backbone features on generated vectors shaped like pooled ResNet features: non-negative, with a large
/// part every image shares (unrelated fields have a cosine around 0.9) and a field-specific part; a re-capture is its
/// field's vector with a little noise (cosine above 0.99). Every hash is far from every other, so only features link.
/// </summary>
public sealed class FeatureLinkedGroupsTests
{
    private const int Dimensions = 512;
    private const int FieldsPerClass = 30;
    private const int RecapturesPerField = 2;

    [Fact]
    public void Recaptures_with_close_features_form_one_group_even_when_their_hashes_differ()
    {
        var random = new Random(7);
        var shared = Vector(random, 0, 1);
        var images = new List<(HashedImage Image, string Field)>();
        foreach (var cellClass in CellClasses.All)
        {
            for (var field = 0; field < FieldsPerClass; field++)
            {
                var fieldVector = Mix(shared, Vector(random, 0, 1), 0.45f);
                for (var copy = 0; copy <= RecapturesPerField; copy++)
                {
                    var features = copy == 0 ? fieldVector : Mix(fieldVector, Vector(random, 0, 1), 0.05f);
                    images.Add((Image(cellClass, images.Count, features), $"{cellClass}-{field}"));
                }
            }
        }

        var groups = NearDuplicateGroups.Form(images.Select(item => item.Image).ToList());

        Assert.Equal(CellClasses.All.Count * FieldsPerClass, groups.DatasetGroups);
        Assert.Equal(0, groups.HashLinks);
        Assert.Equal(CellClasses.All.Count * FieldsPerClass * 3, groups.FeatureLinks);
        Assert.All(images.GroupBy(item => item.Field), field => Assert.Single(field.Select(item => groups.KeyOf(item.Image.Entry)).Distinct()));
    }

    [Fact]
    public void A_hash_link_and_a_feature_link_join_three_images_into_one_group()
    {
        var random = new Random(3);
        var features = Vector(random, 0, 1);
        var hashTwin = Image(CellClass.Early, 0, Vector(random, 0, 1), hash: 0b1111);
        var both = Image(CellClass.Early, 1, features, hash: 0b1110);
        var featureTwin = Image(CellClass.Early, 2, Mix(features, Vector(random, 0, 1), 0.02f));
        var stranger = Image(CellClass.Early, 3, Vector(random, 0, 1));

        var groups = NearDuplicateGroups.Form([hashTwin, both, featureTwin, stranger]);

        Assert.Equal(2, groups.DatasetGroups);
        Assert.Equal((1, 1), (groups.HashLinks, groups.FeatureLinks));
        Assert.Single(new[] { hashTwin, both, featureTwin }.Select(image => groups.KeyOf(image.Entry)).Distinct());
        Assert.False(groups.IsGrouped(stranger.Entry));
    }

    [Fact]
    public void Images_without_features_or_below_the_cosine_are_linked_by_hash_only()
    {
        var random = new Random(5);
        var features = Vector(random, 0, 1);
        var close = Mix(features, Vector(random, 0, 1), 0.02f);

        var withoutFeatures = NearDuplicateGroups.Form([Image(CellClass.Pre, 0, null), Image(CellClass.Pre, 1, null)]);
        var strictCosine = NearDuplicateGroups.Form([Image(CellClass.Pre, 0, features), Image(CellClass.Pre, 1, close)], minCosine: 1.5);
        var defaultCosine = NearDuplicateGroups.Form([Image(CellClass.Pre, 0, features), Image(CellClass.Pre, 1, close)]);

        Assert.Equal(2, withoutFeatures.DatasetGroups);
        Assert.Equal(2, strictCosine.DatasetGroups);
        Assert.Equal(1, defaultCosine.DatasetGroups);
    }

    [Fact]
    public void Images_of_different_classes_are_never_grouped()
    {
        var features = Vector(new Random(9), 0, 1);

        var groups = NearDuplicateGroups.Form([Image(CellClass.Benign, 0, features), Image(CellClass.Pro, 1, features)]);

        Assert.Equal(2, groups.DatasetGroups);
    }

    [Fact]
    public void Feedback_joins_the_group_of_the_dataset_image_whose_features_are_closest()
    {
        var random = new Random(11);
        var first = Vector(random, 0, 1);
        var second = Mix(first, Vector(random, 0, 1), 0.4f);
        var firstImage = Image(CellClass.Pro, 0, first);
        var secondImage = Image(CellClass.Pro, 1, second);
        var feedback = Image(CellClass.Pro, 2, Mix(second, Vector(random, 0, 1), 0.02f), source: ImageSource.Feedback);

        var groups = NearDuplicateGroups.Form([firstImage, secondImage, feedback]);

        Assert.Equal(2, groups.DatasetGroups);
        Assert.Equal(groups.KeyOf(secondImage.Entry), groups.KeyOf(feedback.Entry));
        Assert.NotEqual(groups.KeyOf(firstImage.Entry), groups.KeyOf(feedback.Entry));
    }

    /// <summary>
    /// An image whose hash is, unless given, the first 64 bits of its content hash: two such hashes differ in about 32
    /// bits, and in at most 10 with a chance of about 1e-8.
    /// </summary>
    private static HashedImage Image(CellClass cellClass, int index, float[]? features, ulong? hash = null, string source = ImageSource.Dataset)
    {
        var sha = SHA256.HashData(Encoding.UTF8.GetBytes($"{cellClass}-{index}"));
        var entry = new ManifestEntry($"processed/{index}.png", cellClass.Name(), Convert.ToHexStringLower(sha), source);
        return new HashedImage(entry, hash ?? BinaryPrimitives.ReadUInt64BigEndian(sha), features);
    }

    private static float[] Vector(Random random, float low, float high) =>
        Enumerable.Range(0, Dimensions).Select(_ => low + ((high - low) * random.NextSingle())).ToArray();

    /// <summary>(1 − share) of <paramref name="base"/> plus <paramref name="share"/> of <paramref name="other"/>.</summary>
    private static float[] Mix(float[] @base, float[] other, float share) =>
        @base.Zip(other, (a, b) => ((1 - share) * a) + (share * b)).ToArray();
}
