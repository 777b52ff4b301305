using System.Security.Cryptography;
using System.Text;
using AllClassifier.Model.Registry;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Signing;

/// <summary>
/// Proves a registered version is the trainer's before anything of it is loaded: its <c>signature.json</c> must be
/// made by a trusted key and every file of the version must match the hash it signs. The trusted keys are parsed once.
/// </summary>
public sealed partial class ModelSignatureVerifier : IDisposable
{
    private readonly List<ECDsa> _keys;
    private readonly ILogger<ModelSignatureVerifier> _logger;

    public ModelSignatureVerifier(IOptions<ModelSigningOptions> options, ILogger<ModelSignatureVerifier> logger)
    {
        _logger = logger;
        AllowUnsigned = options.Value.AllowUnsigned;
        _keys = [.. options.Value.PublicKeys.Where(text => !string.IsNullOrWhiteSpace(text)).Select(ModelSigningKeys.PublicKey)];
        KeyIds = [.. _keys.Select(ModelSignature.KeyIdOf)];
    }

    public bool AllowUnsigned { get; }

    /// <summary>The ids (<see cref="ModelSignature.KeyIdOf"/>) of the trusted keys.</summary>
    public IReadOnlyList<string> KeyIds { get; }

    /// <summary>Why no model can be served at all, or null when signed models can be.</summary>
    public string? Misconfiguration => _keys.Count == 0 && !AllowUnsigned
        ? $"no model signing public key is configured ({ModelSigningOptions.SectionName}:PublicKeys): every model is refused"
        : null;

    /// <summary>
    /// The version as its signature vouches for it: the card parsed from the verified bytes and the verified model
    /// bytes, each file read once so what was checked is what is used. Throws <see cref="InvalidDataException"/>
    /// saying why a version is refused.
    /// </summary>
    public (RegisteredVersion Version, byte[] Model) Verify(RegisteredVersion version)
    {
        if (ModelSignature.Read(version.Directory) is null && AllowUnsigned)
        {
            LogUnsigned(_logger, version.Version);
            return (version, version.ReadVerifiedModel());
        }

        if (Misconfiguration is { } problem)
        {
            throw new InvalidDataException(problem);
        }

        var files = ModelSignature.Verify(version.Directory, _keys);
        var card = ModelCard.FromJson(Encoding.UTF8.GetString(files[LocalModelRegistry.CardFileName])) with { Version = version.Version };
        var model = files[LocalModelRegistry.ModelFileName];
        if (card.ModelSha256 is not { } expected || !string.Equals(ModelCard.Sha256Of(model), expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException(
                $"version {version.Version}'s {LocalModelRegistry.ModelFileName} does not match the SHA-256 on its signed card");
        }

        return (version with { Card = card }, model);
    }

    public void Dispose() => _keys.ForEach(key => key.Dispose());

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model version {Version} has no signature; served because ModelSigning:AllowUnsigned is set (development only)")]
    private static partial void LogUnsigned(ILogger logger, int version);
}
