using AllClassifier.Web.Backend;
using AllClassifier.Web.Classify;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AllClassifier.Web.Tests.Classify;

public sealed class ClassificationStoreTests
{
    private static readonly Prediction Prediction = new([0.1, 0.2, 0.6, 0.1], 2, "Pre", 1);

    [Fact]
    public async Task When_full_the_oldest_entries_make_room_for_new_ones()
    {
        // Each entry is about 1.5 KB serialized: three fit in 5,000 bytes, four do not.
        var store = new ClassificationStore(
            new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())),
            Options.Create(new UploadOptions { MaxBytes = 2048, RetainedBytesLimit = 5000 }));

        var tokens = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            tokens.Add(await store.SaveAsync(Entry(seed: i), "alice"));
        }

        Assert.Null(await store.FindAsync(tokens[0], "alice"));
        Assert.Null(await store.FindAsync(tokens[1], "alice"));
        for (var i = 2; i < 5; i++)
        {
            Assert.Equal(Entry(seed: i).Image.Content, (await store.FindAsync(tokens[i], "alice"))!.Image.Content);
        }
    }

    [Fact]
    public async Task An_entry_opens_only_for_its_owner()
    {
        var store = new ClassificationStore(
            new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())), Options.Create(new UploadOptions()));

        var token = await store.SaveAsync(Entry(seed: 9), "alice");

        Assert.NotNull(await store.FindAsync(token, "alice"));
        Assert.Null(await store.FindAsync(token, "bob"));
        Assert.Null(await store.FindAsync(token, ""));
    }

    private static Classification Entry(int seed)
    {
        var bytes = new byte[1000];
        new Random(seed).NextBytes(bytes);
        return new Classification(new ImageFile($"cell{seed}.png", "image/png", bytes), Prediction);
    }
}
