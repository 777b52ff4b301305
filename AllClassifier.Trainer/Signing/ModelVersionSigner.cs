using System.Security.Cryptography;
using AllClassifier.Model.Registry;
using Microsoft.Extensions.Options;

namespace AllClassifier.Trainer.Signing;

/// <summary>Signs registry versions with the configured key; the key is read once, when first needed.</summary>
public sealed class ModelVersionSigner(IOptions<ModelSigningKeyOptions> options) : IDisposable
{
    private readonly Lazy<ECDsa?> _key = new(() => Load(options.Value));

    /// <summary>Whether a key is configured; without one versions are registered unsigned.</summary>
    public bool HasKey => _key.Value is not null;

    /// <summary>The <c>seal</c> that <see cref="LocalModelRegistry.Register"/> and <see cref="LocalModelRegistry.UpdateCard"/> take; null without a key.</summary>
    public Action<string>? Seal => _key.Value is { } key ? directory => ModelSignature.Sign(directory, key) : null;

    /// <summary>The key's id (<see cref="ModelSignature.KeyIdOf"/>), or null without a key.</summary>
    public string? KeyId => _key.Value is { } key ? ModelSignature.KeyIdOf(key) : null;

    /// <summary>The key as configured; throws <see cref="CryptographicException"/> or <see cref="IOException"/> when unreadable.</summary>
    public static ECDsa? Load(ModelSigningKeyOptions options)
    {
        var text = options.PrivateKey is { Length: > 0 } inline
            ? inline
            : options.PrivateKeyPath is { Length: > 0 } path ? File.ReadAllText(path) : null;
        return text is null ? null : ModelSigningKeys.PrivateKey(text);
    }

    public void Dispose()
    {
        if (_key.IsValueCreated)
        {
            _key.Value?.Dispose();
        }
    }
}
