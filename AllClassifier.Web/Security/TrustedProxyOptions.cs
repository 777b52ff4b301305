using System.Net;

namespace AllClassifier.Web.Security;

/// <summary>
/// The reverse proxies whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> the web app believes (section
/// <c>ForwardedHeaders</c>), e.g. <c>ForwardedHeaders__KnownNetworks__0=10.0.0.0/8</c>. Nothing is trusted by
/// default: a forwarded header from anyone else is ignored, so nobody can pose as another client address (the
/// sign-in limits count per address) or claim HTTPS.
/// </summary>
public sealed class TrustedProxyOptions
{
    public const string SectionName = "ForwardedHeaders";

    /// <summary>Addresses of single proxies, e.g. <c>10.0.0.5</c>.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks in CIDR notation whose every address is a proxy, e.g. <c>172.28.0.0/16</c>.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>How many proxies in a row may add to <c>X-Forwarded-For</c>; one TLS proxy in front is the norm.</summary>
    public int ForwardLimit { get; set; } = 1;

    public bool Enabled => KnownProxies.Count > 0 || KnownNetworks.Count > 0;

    internal bool IsValid() =>
        ForwardLimit > 0
        && KnownProxies.All(proxy => IPAddress.TryParse(proxy, out _))
        && KnownNetworks.All(network => IPNetwork.TryParse(network, out _));
}
