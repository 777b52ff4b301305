namespace AllClassifier.Web.Security;

/// <summary>Where the web app keeps its ASP.NET Core Data Protection keys (section <c>DataProtection</c>).</summary>
public sealed class DataProtectionKeysOptions
{
    public const string SectionName = "DataProtection";

    /// <summary>
    /// The key ring's folder; it belongs on the data volume, beside the staff accounts, so sign-in cookies and
    /// antiforgery tokens stay valid across restarts and for every instance that shares it. The keys are stored
    /// unencrypted: only the web app's user may read the folder.
    /// </summary>
    public string KeysDirectory { get; set; } = "/app/data/keys";
}
