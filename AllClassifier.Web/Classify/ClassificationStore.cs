using System.Security.Cryptography;
using System.Text.Json;
using AllClassifier.Web.Backend;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;

namespace AllClassifier.Web.Classify;

/// <summary>
/// Keeps each classified image server-side under an unguessable token, so the result panel can show it and its heat
/// map without the browser uploading it again (and without JavaScript): the API does not serve back the image of a
/// plain prediction. A correction names the API's <c>prediction_id</c> and sends no bytes; only an API older than
/// prediction records gets the kept bytes again. Entries expire after
/// <see cref="UploadOptions.RetainFor"/> without use, and the oldest are dropped when all of them together would pass
/// <see cref="UploadOptions.RetainedBytesLimit"/>, so a busy hour never stops anyone from classifying. Backed by
/// <see cref="IDistributedCache"/>: in memory by default; the byte budget is counted per process.
/// </summary>
public sealed class ClassificationStore(IDistributedCache cache, IOptions<UploadOptions> options)
{
    private const int TokenBytes = 16;

    private readonly Lock _lock = new();
    private readonly LinkedList<(string Key, long Bytes)> _oldestFirst = new();
    private long _retainedBytes;

    /// <summary>Keeps <paramref name="classification"/> for <paramref name="owner"/>, the signed-in person who uploaded it.</summary>
    public async Task<string> SaveAsync(Classification classification, string owner, CancellationToken cancellationToken = default)
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(TokenBytes));
        var entry = JsonSerializer.SerializeToUtf8Bytes(new OwnedClassification(owner, classification), BackendClient.JsonOptions);
        foreach (var evicted in MakeRoom(Key(token), entry.Length))
        {
            await cache.RemoveAsync(evicted, cancellationToken);
        }

        await cache.SetAsync(
            Key(token),
            entry,
            new DistributedCacheEntryOptions { SlidingExpiration = options.Value.RetainFor },
            cancellationToken);
        return token;
    }

    /// <summary>
    /// The classification saved under <paramref name="token"/>, or null when it is unknown, expired, or was uploaded by
    /// someone other than <paramref name="owner"/>: a token seen by another person opens nothing.
    /// </summary>
    public async Task<Classification?> FindAsync(string? token, string owner, CancellationToken cancellationToken = default)
    {
        if (!IsWellFormed(token))
        {
            return null;
        }

        var bytes = await cache.GetAsync(Key(token!), cancellationToken);
        var owned = bytes is null ? null : JsonSerializer.Deserialize<OwnedClassification>(bytes, BackendClient.JsonOptions);
        return owned is not null && string.Equals(owned.Owner, owner, StringComparison.Ordinal) ? owned.Classification : null;
    }

    /// <summary>Counts the new entry in and returns the keys of the oldest entries it pushes out of the budget.</summary>
    private List<string> MakeRoom(string key, long bytes)
    {
        var evicted = new List<string>();
        lock (_lock)
        {
            while (_oldestFirst.First is { } oldest && _retainedBytes + bytes > options.Value.RetainedBytesLimit)
            {
                _oldestFirst.RemoveFirst();
                _retainedBytes -= oldest.Value.Bytes;
                evicted.Add(oldest.Value.Key);
            }

            _oldestFirst.AddLast((key, bytes));
            _retainedBytes += bytes;
        }

        return evicted;
    }

    private sealed record OwnedClassification(string Owner, Classification Classification);

    private static bool IsWellFormed(string? token) =>
        token is { Length: TokenBytes * 2 } && token.All(char.IsAsciiHexDigitLower);

    private static string Key(string token) => "classification:" + token;
}
