using AllClassifier.Trainer.Features;

namespace AllClassifier.Trainer.Tests.Features;

public sealed class FeatureCacheTests
{
    [Fact]
    public void Vectors_survive_reopening_keyed_by_hash_and_view()
    {
        using var root = new TempDirectory();
        var path = root.Combine(FeatureCache.FileName);
        var vector = Enumerable.Range(0, 512).Select(i => (i * 0.37f) - 50).ToArray();
        using (var cache = new FeatureCache(path))
        {
            cache.PutMany([("abc", 0, vector), ("abc", 3, vector.Select(v => -v).ToArray())]);
        }

        using var reopened = new FeatureCache(path);
        Assert.Equal(vector, reopened.TryGet("abc", 0));
        Assert.Equal(-vector[10], reopened.TryGet("abc", 3)![10]);
        Assert.Null(reopened.TryGet("abc", 1));
        Assert.Null(reopened.TryGet("abd", 0));
        Assert.Equal(2, reopened.Count);
    }
}
