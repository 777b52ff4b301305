using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using System.Threading.RateLimiting;
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
        builder.Services.AddOptions<OidcOptions>()
            .BindConfiguration(OidcOptions.SectionName)
            .Validate(o => !o.Enabled || (Uri.TryCreate(o.Authority, UriKind.Absolute, out _) && !string.IsNullOrWhiteSpace(o.ClientId)),
                "With Authentication:Oidc:Authority set it must be an absolute URL, and Authentication:Oidc:ClientId must be set.")
            .ValidateOnStart();
        builder.Services.AddOptions<StaffAccountsOptions>()
            .BindConfiguration(StaffAccountsOptions.SectionName)
            .Validate(
                o => o.MaxFailedSignIns > 0 && o.LockoutDuration > TimeSpan.Zero && o.SignInAttemptsPerAddress > 0 && o.SignInAttemptWindow > TimeSpan.Zero,
                "StaffAccounts: MaxFailedSignIns, LockoutDuration, SignInAttemptsPerAddress and SignInAttemptWindow must be positive.")
            .Validate(o => o.SessionValidationInterval >= TimeSpan.Zero, "StaffAccounts:SessionValidationInterval must not be negative.")
            .ValidateOnStart();

        // Also with a provider: the sign-in page is mapped (it hands over) and its endpoint names the policy.
        AddSignInRateLimit(builder);
        if (oidc.Enabled)
        {
            AddOpenIdConnect(builder, oidc);
        }
        else
        {
            AddLocalAccounts(builder);
        }

        // Every staff policy also waits for a pending password change (PasswordChange): pages, handlers and the proxy.
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(StaffPolicies.Staff, policy => policy
                .RequireRole(StaffRoles.Reviewer, StaffRoles.Admin)
                .AddRequirements(new CurrentPasswordRequirement()))
            .AddPolicy(StaffPolicies.Admin, policy => policy
                .RequireRole(StaffRoles.Admin)
                .AddRequirements(new CurrentPasswordRequirement()));
        builder.Services.AddSingleton<IAuthorizationHandler, CurrentPasswordHandler>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, PasswordChangeRedirect>();
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
        builder.Services.AddSingleton<SignInThrottle>();
        builder.Services.AddScoped<StaffSignIn>();
        builder.Services.AddScoped<StaffAccountLifecycle>();
        // Identity's default (30 minutes) would leave a disabled or deleted person signed in for half an hour.
        builder.Services.AddOptions<SecurityStampValidatorOptions>()
            .Configure<IOptions<StaffAccountsOptions>>((validator, staff) => validator.ValidationInterval = staff.Value.SessionValidationInterval);
        builder.Services.AddOptions<IdentityOptions>().Configure(identity =>
        {
            // Identity's lockout would lock an account from everywhere; failures are counted per address instead
            // (SignInThrottle). Lockout stays on for accounts an admin disables.
            identity.Lockout.AllowedForNewUsers = true;
            // Length over composition (NIST SP 800-63B); generated first-admin passwords have no symbols.
            identity.Password.RequiredLength = 12;
            identity.Password.RequireNonAlphanumeric = false;
            identity.User.RequireUniqueEmail = false;
        });
        builder.Services.AddHostedService<StaffAccountsSeeder>();
    }

    /// <summary>The policy on the sign-in form: <see cref="StaffAccountsOptions.SignInAttemptsPerAddress"/> posts per client address.</summary>
    public const string SignInRateLimitPolicy = "sign-in";

    private static void AddSignInRateLimit(IHostApplicationBuilder builder) =>
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(SignInRateLimitPolicy, context =>
            {
                if (!HttpMethods.IsPost(context.Request.Method))
                {
                    return RateLimitPartition.GetNoLimiter("page");
                }

                // The real client's address: forwarded headers are applied only from trusted proxies.
                var staff = context.RequestServices.GetRequiredService<IOptions<StaffAccountsOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(
                    context.Connection.RemoteIpAddress?.ToString() ?? "",
                    _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = staff.SignInAttemptsPerAddress,
                        Window = staff.SignInAttemptWindow,
                        QueueLimit = 0,
                    });
            });
        });

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
                // The ID token is kept (in the encrypted cookie) as the end-session request's id_token_hint.
                options.SaveTokens = true;
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
