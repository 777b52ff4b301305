using System.Security.Cryptography;
using AllClassifier.Model.Registry;

namespace AllClassifier.Tests.Signing;

/// <summary>
/// The model signing key every test registry is signed with: made fresh by each test process (no key is committed),
/// which hands its public half to the APIs it starts, in process or as child processes.
/// </summary>
public static class TestSigningKey
{
    /// <summary>Configuration key (<c>:</c>-separated) under which an API trusts the test key.</summary>
    public const string PublicKeySetting = "ModelSigning:PublicKeys:0";

    /// <summary>The same, as an environment variable.</summary>
    public const string PublicKeyVariable = "ModelSigning__PublicKeys__0";

    private static readonly Lazy<ECDsa> Key = new(() => ECDsa.Create(ECCurve.NamedCurves.nistP256));

    public static ECDsa PrivateKey => Key.Value;

    /// <summary>The public key as one line of base64 DER, the way an environment variable carries it.</summary>
    public static string PublicKey => ModelSigningKeys.PublicKeyText(PrivateKey);

    /// <summary>The private key as PKCS#8 PEM, the way the trainer's configuration carries it.</summary>
    public static string PrivateKeyPem => PrivateKey.ExportPkcs8PrivateKeyPem();

    /// <summary>Signs a version folder the way the trainer does (the <c>seal</c> of <see cref="LocalModelRegistry.Register"/>).</summary>
    public static void Sign(string versionDirectory) => ModelSignature.Sign(versionDirectory, PrivateKey);
}
