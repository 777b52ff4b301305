using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AllClassifier.Model.Registry;

/// <summary>
/// <c>signature.json</c> in a version folder: the SHA-256 of every file of the version (the model, its card, which
/// names the model's hash, the head, the charts), signed with the trainer's ECDSA P-256 key. Nothing of a version can
/// be swapped or added without the private key, wherever the folder came from (the local registry or a copy fetched
/// from MLflow). The manifest names the registered model but not the version number: a version's number in MLflow is
/// not its number in the trainer's registry, and a signed version served under another number is still the model the
/// trainer signed (which is what a rollback does on purpose).
/// </summary>
public sealed record ModelSignature
{
    public const string FileName = "signature.json";
    public const string EcdsaP256Sha256 = "ECDSA-P256-SHA256";

    /// <summary>Files every signed manifest covers: the model and the card that describes it.</summary>
    public static readonly IReadOnlyList<string> RequiredFiles = [LocalModelRegistry.ModelFileName, LocalModelRegistry.CardFileName];

    // Domain separation: these bytes can never be mistaken for anything else the key might sign.
    private const string Domain = "allclassifier-model-manifest-v1";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
    };

    public string Algorithm { get; init; } = EcdsaP256Sha256;

    /// <summary>The registered model the version belongs to (<see cref="LocalModelRegistry.ModelName"/>).</summary>
    public required string Model { get; init; }

    /// <summary>Which key signed: the first 16 hex digits of the SHA-256 of its SubjectPublicKeyInfo.</summary>
    public required string KeyId { get; init; }

    /// <summary>File name → lower-case hex SHA-256.</summary>
    public required IReadOnlyDictionary<string, string> Files { get; init; }

    /// <summary>Base64 of the IEEE P1363 signature over <see cref="Canonical"/>.</summary>
    public required string Signature { get; init; }

    public static string KeyIdOf(ECDsa key) =>
        Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];

    /// <summary>
    /// Hashes every file of <paramref name="directory"/> (names starting with '.' are the registry's temporary files
    /// and are left out) and writes <see cref="FileName"/>, signed with <paramref name="privateKey"/>, by rename.
    /// </summary>
    public static ModelSignature Sign(string directory, ECDsa privateKey, string model = LocalModelRegistry.ModelName)
    {
        var files = SignedFiles(directory).ToDictionary(
            path => Path.GetFileName(path), path => ModelCard.Sha256Of(File.ReadAllBytes(path)), StringComparer.Ordinal);
        if (RequiredFiles.FirstOrDefault(name => !files.ContainsKey(name)) is { } missing)
        {
            throw new InvalidOperationException($"Cannot sign {directory}: it has no {missing}.");
        }

        var signature = new ModelSignature
        {
            Model = model,
            KeyId = KeyIdOf(privateKey),
            Files = files,
            Signature = Convert.ToBase64String(
                privateKey.SignData(Canonical(model, files), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)),
        };
        var temporary = Path.Combine(directory, $".{FileName}-{Guid.NewGuid():N}");
        DurableFile.WriteAllText(temporary, JsonSerializer.Serialize(signature, Json));
        File.Move(temporary, Path.Combine(directory, FileName), overwrite: true);
        DurableFile.SyncDirectory(directory);
        return signature;
    }

    /// <summary>Reads <see cref="FileName"/> of a folder, or null when it has none; throws <see cref="InvalidDataException"/> when unreadable.</summary>
    public static ModelSignature? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ModelSignature>(File.ReadAllBytes(path), Json)
                ?? throw new InvalidDataException($"{FileName} is empty");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{FileName} is not a model signature: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Checks that a trusted key signed this manifest for <paramref name="model"/> and that it covers the required
    /// files; throws <see cref="InvalidDataException"/> otherwise. Says nothing yet about the files themselves.
    /// </summary>
    public void VerifySignature(IReadOnlyCollection<ECDsa> trustedKeys, string model = LocalModelRegistry.ModelName)
    {
        if (Algorithm != EcdsaP256Sha256)
        {
            throw new InvalidDataException($"{FileName} uses {Algorithm}, not {EcdsaP256Sha256}");
        }

        var key = trustedKeys.FirstOrDefault(candidate => KeyIdOf(candidate) == KeyId)
            ?? throw new InvalidDataException($"{FileName} was made by key {KeyId}, which is not among the trusted keys");
        byte[] signatureBytes;
        try
        {
            signatureBytes = Convert.FromBase64String(Signature);
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"{FileName}'s signature is not base64", ex);
        }

        if (Files is null || !key.VerifyData(Canonical(Model, Files), signatureBytes, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            throw new InvalidDataException($"{FileName}'s signature does not verify with key {KeyId}");
        }

        if (Model != model)
        {
            throw new InvalidDataException($"{FileName} signs a version of '{Model}', not of '{model}'");
        }

        if (RequiredFiles.FirstOrDefault(name => !Files.ContainsKey(name)) is { } uncovered)
        {
            throw new InvalidDataException($"{FileName} does not cover {uncovered}");
        }
    }

    /// <summary>
    /// Checks the folder against its signature and returns the verified bytes of every file present, each read once,
    /// so what was checked is what is used. Throws <see cref="InvalidDataException"/> when there is no signature, no
    /// trusted key made it, it does not verify, or a file present is not listed or differs from its hash. Listed files
    /// may be absent (a copy from MLflow fetches only what serving needs) except <see cref="RequiredFiles"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, byte[]> Verify(
        string directory, IReadOnlyCollection<ECDsa> trustedKeys, string model = LocalModelRegistry.ModelName)
    {
        var signature = Read(directory)
            ?? throw new InvalidDataException($"the version has no {FileName}: unsigned models are not served");
        signature.VerifySignature(trustedKeys, model);
        var verified = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var file in SignedFiles(directory))
        {
            var name = Path.GetFileName(file);
            if (!signature.Files.TryGetValue(name, out var expected))
            {
                throw new InvalidDataException($"{name} is not covered by {FileName}");
            }

            var bytes = File.ReadAllBytes(file);
            if (!string.Equals(ModelCard.Sha256Of(bytes), expected, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidDataException($"{name} differs from the SHA-256 that {FileName} signs");
            }

            verified[name] = bytes;
        }

        if (RequiredFiles.FirstOrDefault(name => !verified.ContainsKey(name)) is { } missing)
        {
            throw new InvalidDataException($"the version has no {missing}");
        }

        return verified;
    }

    /// <summary>
    /// What is signed: a domain line, the model's name, then one <c>name SP sha256</c> line per file in ordinal order,
    /// each line ending in LF. A name holding a space or a line feed (no registry writes one) would make the text
    /// ambiguous, so it is refused.
    /// </summary>
    private static byte[] Canonical(string model, IReadOnlyDictionary<string, string> files)
    {
        var text = new StringBuilder().Append(Domain).Append('\n').Append(RequireToken(model)).Append('\n');
        foreach (var (name, sha256) in files.OrderBy(entry => entry.Key, StringComparer.Ordinal))
        {
            text.Append(RequireToken(name)).Append(' ').Append(RequireToken(sha256).ToLowerInvariant()).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static string RequireToken(string value) =>
        string.IsNullOrEmpty(value) || value.Any(c => c is ' ' or '\n' or '\r')
            ? throw new InvalidDataException($"{FileName} holds an empty name or one with a space or line break")
            : value;

    /// <summary>Every file of the version but the signature and dot-named temporary files; a sub-folder is refused.</summary>
    private static IEnumerable<string> SignedFiles(string directory)
    {
        if (Directory.EnumerateDirectories(directory).Any())
        {
            throw new InvalidDataException("the version folder holds a sub-folder, which no registered version has");
        }

        return Directory.EnumerateFiles(directory)
            .Where(path => Path.GetFileName(path) is var name && name != FileName && !name.StartsWith('.'))
            .Order(StringComparer.Ordinal);
    }
}
