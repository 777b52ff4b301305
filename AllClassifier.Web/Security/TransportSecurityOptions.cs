namespace AllClassifier.Web.Security;

/// <summary>How the web app treats plain HTTP outside development (section <c>TransportSecurity</c>).</summary>
public sealed class TransportSecurityOptions
{
    public const string SectionName = "TransportSecurity";

    /// <summary>
    /// Serves pages over plain HTTP: no redirect to https, cookies without <c>Secure</c>. Only for a deployment that has
    /// no TLS proxy in front yet (the compose stack, on a lab network): anyone on the network path can read sign-ins.
    /// </summary>
    public bool AllowPlainHttp { get; set; }
}
