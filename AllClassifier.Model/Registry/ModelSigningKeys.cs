using System.Security.Cryptography;

namespace AllClassifier.Model.Registry;

/// <summary>
/// Model signing keys as they are configured: ECDSA P-256, as PEM text or as the base64 of the DER key on one line
/// (which fits an environment variable). The trainer holds the private key; the API only public keys.
/// </summary>
public static class ModelSigningKeys
{
    private const string NistP256Oid = "1.2.840.10045.3.1.7";

    /// <summary>A new key pair: the private key as PKCS#8 PEM, the public key as one-line base64 SubjectPublicKeyInfo.</summary>
    public static (string PrivateKeyPem, string PublicKey) Generate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return (key.ExportPkcs8PrivateKeyPem(), Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>The one-line base64 SubjectPublicKeyInfo of a key, as the API's configuration takes it.</summary>
    public static string PublicKeyText(ECDsa key) => Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());

    /// <summary>A public key (PEM <c>PUBLIC KEY</c> or base64 SubjectPublicKeyInfo).</summary>
    /// <exception cref="CryptographicException">Not an ECDSA P-256 public key.</exception>
    public static ECDsa PublicKey(string text) => Import(text, (key, der) => key.ImportSubjectPublicKeyInfo(der, out _));

    /// <summary>A private key (PEM, PKCS#8 or SEC1, or base64 PKCS#8).</summary>
    /// <exception cref="CryptographicException">Not an ECDSA P-256 private key.</exception>
    public static ECDsa PrivateKey(string text)
    {
        var key = Import(text, (key, der) => key.ImportPkcs8PrivateKey(der, out _));
        try
        {
            // A public key imported where a private one was meant fails here rather than at the first signature.
            _ = key.ExportParameters(includePrivateParameters: true);
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    private static ECDsa Import(string text, Action<ECDsa, byte[]> importDer)
    {
        var key = ECDsa.Create();
        try
        {
            if (text.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                key.ImportFromPem(text);
            }
            else
            {
                byte[] der;
                try
                {
                    der = Convert.FromBase64String(text.Trim());
                }
                catch (FormatException ex)
                {
                    throw new CryptographicException("A model signing key must be PEM or base64 DER.", ex);
                }

                importDer(key, der);
            }

            if (key.ExportParameters(includePrivateParameters: false).Curve.Oid.Value != NistP256Oid)
            {
                throw new CryptographicException("Model signing keys are ECDSA P-256 (nistP256); this key is on another curve.");
            }

            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}
