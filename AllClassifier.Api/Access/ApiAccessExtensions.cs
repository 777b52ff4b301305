using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Access;

public static partial class ApiAccessExtensions
{
    /// <summary>API-key authentication and the policies of <see cref="ApiPolicies"/>, bound from section <c>Auth</c>.</summary>
    public static IHostApplicationBuilder AddApiAccess(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiAccessOptions>()
            .BindConfiguration(ApiAccessOptions.SectionName)
            .Validate(access => access.ScopeProblem() is null, "Auth:ApiKeyScopes: every entry must name a client with a key "
                + "and list scopes among predict, feedback, admin.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ApiKeyRing>();
        builder.Services.AddSingleton<IAuthorizationHandler, ApiKeyRequirementHandler>();
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(
                ApiKeyAuthenticationHandler.SchemeName, null);
        var admin = new AuthorizationPolicyBuilder().AddRequirements(new ApiKeyRequirement(ProtectedSurface.Admin, ApiScopes.Admin)).Build();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicies.Predict, Requiring(ProtectedSurface.Predict, ApiScopes.Predict))
            .AddPolicy(ApiPolicies.Feedback, Requiring(ProtectedSurface.Feedback, ApiScopes.Feedback))
            .AddPolicy(ApiPolicies.Admin, admin)
            .AddPolicy(ApiPolicies.Metrics, Requiring(ProtectedSurface.Metrics, ApiScopes.None))
            .AddPolicy(ApiPolicies.Docs, Requiring(ProtectedSurface.Docs, ApiScopes.None))
            // An endpoint mapped without a policy (a new one, whoever adds it) needs the admin scope: it fails closed.
            .SetFallbackPolicy(admin);
        builder.Services.AddHealthChecks().AddCheck<AccessHealthCheck>("access");
        return builder;
    }

    private static Action<AuthorizationPolicyBuilder> Requiring(ProtectedSurface surface, ApiScopes scope) =>
        policy => policy.AddRequirements(new ApiKeyRequirement(surface, scope));

    /// <summary>Authenticates every request and names the calling client in the scope of every log entry it causes.</summary>
    public static WebApplication UseApiAccess(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<ApiAccessOptions>>().Value.KeysConfigured)
        {
            LogOpenAccess(app.Logger);
        }

        app.UseAuthentication();
        app.Use(async (context, next) =>
        {
            if (context.User.Identity is { IsAuthenticated: true, Name: { } client })
            {
                using (app.Logger.BeginScope(new Dictionary<string, object> { ["Client"] = client }))
                {
                    await next(context);
                    return;
                }
            }

            await next(context);
        });
        app.UseAuthorization();
        return app;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "no API key is configured (Auth:ApiKeys): the API is open, anyone who can reach it may store feedback")]
    private static partial void LogOpenAccess(ILogger logger);
}
