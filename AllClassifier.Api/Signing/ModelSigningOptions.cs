namespace AllClassifier.Api.Signing;

/// <summary>
/// Which model signatures the API trusts (section <c>ModelSigning</c>): the trainer's public keys, each PEM or one-line
/// base64 DER (<c>ModelSigning__PublicKeys__0</c>, <c>__1</c>, ...). Several keys let a new trainer key come in before
/// the old one is retired. With none, every model is refused and <c>/health</c> says so.
/// </summary>
public sealed class ModelSigningOptions
{
    public const string SectionName = "ModelSigning";

    public List<string> PublicKeys { get; set; } = [];

    /// <summary>
    /// Development only (refused at start in any other environment): a version with no signature at all is served,
    /// with a warning, for a workstation whose models were made without a trainer key. A signature that is present
    /// must still verify.
    /// </summary>
    public bool AllowUnsigned { get; set; }
}
