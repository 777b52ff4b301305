using System.Security.Cryptography;

namespace AllClassifier.AppHost.Extensions;

/// <summary>
/// The model signing key pair: the trainer signs every version it registers with the private key, the API serves only
/// versions a trusted public key vouches for. In run mode the pair is generated on first run into
/// <c>{data root}/signing/</c> (git-ignored, readable by the owner only) and reused after; the trainer gets the key
/// file's path, the API only the public key. In the deployment manifest both are inputs without a default
/// (<c>model-signing-private-key</c>, secret, and <c>model-signing-public-key</c>): <c>azd up</c> asks for them, made
/// with <c>AllClassifier.Trainer models keygen</c> (docs/deployment.md).
/// </summary>
public static class ModelSigningExtensions
{
    public const string PrivateKeyParameter = "model-signing-private-key";
    public const string PublicKeyParameter = "model-signing-public-key";

    /// <summary>The private key's file under the data root in run mode.</summary>
    public const string KeyFile = "signing/model-signing-key.pem";

    /// <summary>The key pair both services need, generated under the data root when there is none yet (run mode).</summary>
    public static ModelSigning AddModelSigning(this IDistributedApplicationBuilder builder, DataRoot dataRoot)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return new ModelSigning(
                builder.AddParameter(PrivateKeyParameter, secret: true), null, builder.AddParameter(PublicKeyParameter), null);
        }

        var path = Path.Combine(dataRoot.Path, KeyFile);
        using var key = ECDsa.Create();
        if (File.Exists(path))
        {
            key.ImportFromPem(File.ReadAllText(path));
        }
        else
        {
            key.GenerateKey(ECCurve.NamedCurves.nistP256);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            // Created owner-only before the key is written, so no other account ever reads it.
            var owner = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                owner.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var file = new FileStream(path, owner))
            using (var writer = new StreamWriter(file))
            {
                writer.Write(key.ExportPkcs8PrivateKeyPem());
            }
        }

        return new ModelSigning(null, path, null, Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>The trainer signs what it registers.</summary>
    public static IResourceBuilder<ProjectResource> WithModelSigningKey(this IResourceBuilder<ProjectResource> trainer, ModelSigning signing) =>
        signing.PrivateKey is { } parameter
            ? trainer.WithEnvironment("ModelSigning__PrivateKey", parameter)
            : trainer.WithEnvironment("ModelSigning__PrivateKeyPath", signing.PrivateKeyPath!);

    /// <summary>The API serves only what the trainer signed.</summary>
    public static IResourceBuilder<ProjectResource> WithModelSigningTrust(this IResourceBuilder<ProjectResource> api, ModelSigning signing) =>
        signing.PublicKey is { } parameter
            ? api.WithEnvironment("ModelSigning__PublicKeys__0", parameter)
            : api.WithEnvironment("ModelSigning__PublicKeys__0", signing.PublicKeyText!);
}

/// <summary>Where each half of the signing key comes from: parameters when publishing, the generated pair in run mode.</summary>
public sealed record ModelSigning(
    IResourceBuilder<ParameterResource>? PrivateKey,
    string? PrivateKeyPath,
    IResourceBuilder<ParameterResource>? PublicKey,
    string? PublicKeyText);
