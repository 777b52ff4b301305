namespace AllClassifier.Web.Staff;

/// <summary>
/// The hospital's OpenID Connect provider (section <c>Authentication:Oidc</c>). When <see cref="Authority"/> is set,
/// people sign in there instead of with local accounts, and their roles come from <see cref="RoleClaim"/>.
/// </summary>
public sealed class OidcOptions
{
    public const string SectionName = "Authentication:Oidc";

    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>The ID token claim that carries <c>reviewer</c> or <c>admin</c>.</summary>
    public string RoleClaim { get; set; } = "roles";

    public string NameClaim { get; set; } = "preferred_username";

    /// <summary>Refuse a provider whose metadata is not served over HTTPS; only a test provider on loopback may turn it off.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);
}
