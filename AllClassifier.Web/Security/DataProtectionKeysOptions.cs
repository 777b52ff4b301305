namespace AllClassifier.Web.Security;

/// <summary>Where the web app keeps its ASP.NET Core Data Protection keys (section <c>DataProtection</c>).</summary>
public sealed class DataProtectionKeysOptions
{
    public const string SectionName = "DataProtection";

    /// <summary>
    /// The key ring's folder; it belongs on the data volume, beside the staff accounts, so sign-in cookies and
    /// antiforgery tokens stay valid across restarts and for every instance that shares it. Without
    /// <see cref="CertificatePath"/> the keys are stored unencrypted: only the web app's user may read the folder.
    /// </summary>
    public string KeysDirectory { get; set; } = "/app/data/keys";

    /// <summary>
    /// A certificate whose public key encrypts every new key at rest (a PEM file with <see cref="CertificateKeyPath"/>,
    /// or a PKCS#12 file with <see cref="CertificatePassword"/>). Kept apart from the volume (a mounted secret), a copy
    /// of the volume alone then no longer forges sign-in cookies. Keys written before it was set stay readable.
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of <see cref="CertificatePath"/>, when that is a PEM certificate.</summary>
    public string? CertificateKeyPath { get; set; }

    /// <summary>The password of a PKCS#12 <see cref="CertificatePath"/>, if it has one.</summary>
    public string? CertificatePassword { get; set; }
}
