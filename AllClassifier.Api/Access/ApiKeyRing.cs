using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Access;

/// <summary>
/// The configured keys, kept only as SHA-256 hashes. Comparing fixed-length hashes with
/// <see cref="CryptographicOperations.FixedTimeEquals"/>, against every key without stopping early, leaks
/// neither a key's content nor its length through timing.
/// </summary>
public sealed class ApiKeyRing(IOptions<ApiAccessOptions> options)
{
    private readonly IReadOnlyList<(string Client, byte[] Hash)> _keys = options.Value.ApiKeys
        .Where(entry => !string.IsNullOrEmpty(entry.Value))
        .Select(entry => (entry.Key, Hash(entry.Value)))
        .ToList();

    private readonly ApiAccessOptions _access = options.Value;

    public bool IsEmpty => _keys.Count == 0;

    /// <summary>What the client's key may do (<see cref="ApiAccessOptions.ApiKeyScopes"/>).</summary>
    public ApiScopes ScopesOf(string client) => _access.ScopesOf(client);

    /// <summary>The client the key belongs to, or null for an unknown key.</summary>
    public string? FindClient(string presentedKey)
    {
        var presented = Hash(presentedKey);
        string? client = null;
        foreach (var (name, hash) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(presented, hash))
            {
                client = name;
            }
        }

        return client;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
