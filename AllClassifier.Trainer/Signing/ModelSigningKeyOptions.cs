namespace AllClassifier.Trainer.Signing;

/// <summary>
/// The trainer's model signing key (section <c>ModelSigning</c>): <see cref="PrivateKeyPath"/> (a PEM file) or
/// <see cref="PrivateKey"/> itself (PEM, or base64 PKCS#8 on one line for an environment variable or secret). The API
/// trusts only models signed with it (its public half in the API's <c>ModelSigning:PublicKeys</c>). Without one the
/// trainer registers unsigned versions, which the API refuses until <c>models sign</c> signs them.
/// </summary>
public sealed class ModelSigningKeyOptions
{
    public const string SectionName = "ModelSigning";

    public string? PrivateKeyPath { get; set; }

    public string? PrivateKey { get; set; }
}
