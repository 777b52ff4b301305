using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AllClassifier.Web.Staff;

public static class StaffAccountsExtensions
{
    public const string SignInPath = "/Account/SignIn";
    public const string AccessDeniedPath = "/Account/AccessDenied";

    /// <summary>
    /// Staff sign-in: local ASP.NET Core Identity accounts in SQLite, or the hospital's OpenID Connect provider when
    /// <c>Authentication:Oidc:Authority</c> is set; and the <see cref="StaffPolicies"/>.
    /// </summary>
    public static IHostApplicationBuilder AddStaffAccounts(this IHostApplicationBuilder builder)
    {
        var oidc = builder.Configuration.GetSection(OidcOptions.SectionName).Get<OidcOptions>() ?? new OidcOptions();
        builder.Services.AddOptions<OidcOptions>().BindConfiguration(OidcOptions.SectionName);
        builder.Services.AddOptions<StaffAccountsOptions>()
            .BindConfiguration(StaffAccountsOptions.SectionName)
            .Validate(o => o.MaxFailedSignIns > 0 && o.LockoutDuration > TimeSpan.Zero, "StaffAccounts: MaxFailedSignIns and LockoutDuration must be positive.")
            .ValidateOnStart();

        if (oidc.Enabled)
        {
            AddOpenIdConnect(builder, oidc);
        }
        else
        {
            AddLocalAccounts(builder);
        }

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(StaffPolicies.Staff, policy => policy.RequireRole(StaffRoles.Reviewer, StaffRoles.Admin))
            .AddPolicy(StaffPolicies.Admin, policy => policy.RequireRole(StaffRoles.Admin));
        return builder;
    }

    private static void AddLocalAccounts(IHostApplicationBuilder builder)
    {
        builder.Services.AddDbContext<StaffDbContext>((services, db) =>
            db.UseSqlite($"Data Source={services.GetRequiredService<IOptions<StaffAccountsOptions>>().Value.DatabasePath}"));
        builder.Services.AddIdentity<IdentityUser, IdentityRole>()
            .AddEntityFrameworkStores<StaffDbContext>()
            .AddDefaultTokenProviders();
        builder.Services.ConfigureApplicationCookie(cookie => ConfigureCookie(cookie, builder.Environment));
        builder.Services.AddOptions<IdentityOptions>().Configure<IOptions<StaffAccountsOptions>>((identity, staff) =>
        {
            identity.Lockout.AllowedForNewUsers = true;
            identity.Lockout.MaxFailedAccessAttempts = staff.Value.MaxFailedSignIns;
            identity.Lockout.DefaultLockoutTimeSpan = staff.Value.LockoutDuration;
            // Length over composition (NIST SP 800-63B); generated first-admin passwords have no symbols.
            identity.Password.RequiredLength = 12;
            identity.Password.RequireNonAlphanumeric = false;
            identity.User.RequireUniqueEmail = false;
        });
        builder.Services.AddHostedService<StaffAccountsSeeder>();
    }

    private static void AddOpenIdConnect(IHostApplicationBuilder builder, OidcOptions oidc)
    {
        builder.Services.AddAuthentication(options =>
            {
                options.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                options.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(cookie => ConfigureCookie(cookie, builder.Environment))
            .AddOpenIdConnect(options =>
            {
                options.Authority = oidc.Authority;
                options.RequireHttpsMetadata = oidc.RequireHttpsMetadata;
                options.ClientId = oidc.ClientId;
                options.ClientSecret = oidc.ClientSecret;
                options.ResponseType = "code";
                options.UsePkce = true;
                options.SaveTokens = false;
                options.MapInboundClaims = false;
                options.GetClaimsFromUserInfoEndpoint = true;
                options.Scope.Add("profile");
                options.TokenValidationParameters.NameClaimType = oidc.NameClaim;
                options.TokenValidationParameters.RoleClaimType = oidc.RoleClaim;
                options.ClaimActions.MapJsonKey(oidc.RoleClaim, oidc.RoleClaim);
            });
    }

    private static void ConfigureCookie(CookieAuthenticationOptions cookie, IHostEnvironment environment)
    {
        cookie.LoginPath = SignInPath;
        cookie.AccessDeniedPath = AccessDeniedPath;
        cookie.Cookie.HttpOnly = true;
        cookie.Cookie.SameSite = SameSiteMode.Strict;
        cookie.Cookie.SecurePolicy = Security.TransportSecurityExtensions.CookieSecurity(environment);
        cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
        cookie.SlidingExpiration = true;
        // Calls to /api are made by scripts and images: a redirect to an HTML sign-in page would only confuse them.
        cookie.Events.OnRedirectToLogin = context => RedirectOrStatus(context, StatusCodes.Status401Unauthorized);
        cookie.Events.OnRedirectToAccessDenied = context => RedirectOrStatus(context, StatusCodes.Status403Forbidden);
    }

    private static Task RedirectOrStatus(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments(Proxy.BackendProxyExtensions.RoutePrefix))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>The signed-in person's name as the API records it, or null when nobody is signed in.</summary>
    public static string? StaffName(this ClaimsPrincipal user) =>
        user.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : null;
}
