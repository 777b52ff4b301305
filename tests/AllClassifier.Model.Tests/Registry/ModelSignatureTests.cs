using System.Security.Cryptography;
using AllClassifier.Model.Registry;
using AllClassifier.Tests.Signing;

namespace AllClassifier.Model.Tests.Registry;

/// <summary>The signed manifest of a version folder: what it vouches for, and what it refuses.</summary>
public sealed class ModelSignatureTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("signature-test-").FullName;
    private readonly LocalModelRegistry _registry;
    private readonly RegisteredVersion _version;

    public ModelSignatureTests()
    {
        _registry = new LocalModelRegistry(_root);
        _version = _registry.Register(
            [1, 2, 3],
            _ => new ModelCard { RunId = "run", Metrics = new EvaluationMetrics(), TrainingDataHash = "h" },
            confusionMatrixPng: [9, 9],
            extraFiles: new Dictionary<string, byte[]> { ["head.json"] = "{}"u8.ToArray() },
            seal: TestSigningKey.Sign);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_version_signed_when_registered_verifies_and_every_file_is_returned_as_read()
    {
        var files = ModelSignature.Verify(_version.Directory, [TestSigningKey.PrivateKey]);

        Assert.Equal(["confusion_matrix.png", "head.json", "model.json", "model.onnx"], files.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([1, 2, 3], files["model.onnx"]);
        Assert.Empty(Directory.GetDirectories(_registry.VersionsDirectory, ".staging-*"));
    }

    [Fact]
    public void A_card_update_with_the_seal_is_signed_again_and_one_without_it_breaks_the_signature()
    {
        _registry.UpdateCard(_version.Version, card => card with { PromotionReason = "signed" }, TestSigningKey.Sign);
        ModelSignature.Verify(_version.Directory, [TestSigningKey.PrivateKey]);

        _registry.UpdateCard(_version.Version, card => card with { PromotionReason = "not signed" });
        var error = Assert.Throws<InvalidDataException>(() => ModelSignature.Verify(_version.Directory, [TestSigningKey.PrivateKey]));
        Assert.Equal("model.json differs from the SHA-256 that signature.json signs", error.Message);
    }

    [Fact]
    public void Any_of_several_trusted_keys_verifies_and_an_untrusted_one_does_not()
    {
        using var next = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        ModelSignature.Verify(_version.Directory, [next, TestSigningKey.PrivateKey]);
        ModelSignature.Sign(_version.Directory, next);
        ModelSignature.Verify(_version.Directory, [next, TestSigningKey.PrivateKey]);
        var error = Assert.Throws<InvalidDataException>(() => ModelSignature.Verify(_version.Directory, [stranger, TestSigningKey.PrivateKey]));
        Assert.Contains($"key {ModelSignature.KeyIdOf(next)}, which is not among the trusted keys", error.Message);
    }

    [Fact]
    public void A_manifest_edited_after_signing_does_not_verify()
    {
        var path = Path.Combine(_version.Directory, ModelSignature.FileName);
        var text = File.ReadAllText(path);
        // Someone lists their own model's hash in the signed manifest itself.
        File.WriteAllText(path, text.Replace(ModelCard.Sha256Of([1, 2, 3]), ModelCard.Sha256Of([6, 6, 6]), StringComparison.Ordinal));
        File.WriteAllBytes(_version.ModelPath, [6, 6, 6]);

        var error = Assert.Throws<InvalidDataException>(() => ModelSignature.Verify(_version.Directory, [TestSigningKey.PrivateKey]));

        Assert.Contains("signature does not verify", error.Message);
    }

    [Fact]
    public void A_missing_signature_a_removed_model_and_a_key_on_another_curve_are_refused()
    {
        var unsigned = _registry.Register([4], _ => new ModelCard { RunId = "r", Metrics = new EvaluationMetrics(), TrainingDataHash = "h" });
        Assert.Contains("no signature.json", Assert.Throws<InvalidDataException>(() => ModelSignature.Verify(unsigned.Directory, [TestSigningKey.PrivateKey])).Message);

        File.Delete(_version.ModelPath);
        Assert.Equal("the version has no model.onnx", Assert.Throws<InvalidDataException>(() => ModelSignature.Verify(_version.Directory, [TestSigningKey.PrivateKey])).Message);

        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.Throws<CryptographicException>(() => ModelSigningKeys.PublicKey(Convert.ToBase64String(p384.ExportSubjectPublicKeyInfo())));
        using var parsed = ModelSigningKeys.PublicKey(TestSigningKey.PrivateKey.ExportSubjectPublicKeyInfoPem());
        Assert.Equal(ModelSignature.KeyIdOf(TestSigningKey.PrivateKey), ModelSignature.KeyIdOf(parsed));
    }
}
