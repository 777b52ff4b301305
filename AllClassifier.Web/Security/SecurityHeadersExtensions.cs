using AllClassifier.Web.Staff;

namespace AllClassifier.Web.Security;

public static class SecurityHeadersExtensions
{
    private const int OneYearInSeconds = 365 * 24 * 60 * 60;

    /// <summary>
    /// Security headers on every response. The Content-Security-Policy allows scripts, styles and images from this
    /// origin only (images also from <c>blob:</c>, the upload preview), no inline scripts or event handlers, no framing.
    /// Inline <c>style</c> attributes stay allowed: the probability bars and the confusion matrix size themselves
    /// with them, and a style attribute cannot run code. HSTS is sent only over HTTPS.
    /// </summary>
    public static IApplicationBuilder UseStaffSecurityHeaders(this IApplicationBuilder app, OidcOptions oidc) =>
        app.UseSecurityHeaders(policies => policies
            .AddFrameOptionsDeny()
            .AddContentTypeOptionsNoSniff()
            .AddReferrerPolicyNoReferrer()
            .AddStrictTransportSecurityMaxAgeIncludeSubDomains(OneYearInSeconds)
            .AddCrossOriginOpenerPolicy(coop => coop.SameOrigin())
            .RemoveServerHeader()
            .AddContentSecurityPolicy(csp =>
            {
                csp.AddDefaultSrc().Self();
                csp.AddScriptSrc().Self();
                csp.AddScriptSrcAttr().None();
                csp.AddStyleSrc().Self();
                csp.AddStyleSrcAttr().UnsafeInline();
                csp.AddImgSrc().Self().Blob();
                csp.AddConnectSrc().Self();
                csp.AddObjectSrc().None();
                csp.AddBaseUri().None();
                var formAction = csp.AddFormAction().Self();
                if (oidc.Enabled)
                {
                    // Signing in and out hands the browser to the identity provider from a form post.
                    formAction.From(new Uri(oidc.Authority!).GetLeftPart(UriPartial.Authority));
                }

                csp.AddFrameAncestors().None();
            }));
}
