using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Access;

public static partial class ApiAccessExtensions
{
    /// <summary>API-key authentication and the policies of <see cref="ApiPolicies"/>, bound from section <c>Auth</c>.</summary>
    public static IHostApplicationBuilder AddApiAccess(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiAccessOptions>().BindConfiguration(ApiAccessOptions.SectionName);
        builder.Services.AddSingleton<ApiKeyRing>();
        builder.Services.AddSingleton<IAuthorizationHandler, ApiKeyRequirementHandler>();
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(
                ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ApiPolicies.Writes, policy => policy.AddRequirements(new ApiKeyRequirement(ProtectedSurface.Writes)))
            .AddPolicy(ApiPolicies.Predict, policy => policy.AddRequirements(new ApiKeyRequirement(ProtectedSurface.Predict)))
            .AddPolicy(ApiPolicies.Metrics, policy => policy.AddRequirements(new ApiKeyRequirement(ProtectedSurface.Metrics)))
            .AddPolicy(ApiPolicies.Docs, policy => policy.AddRequirements(new ApiKeyRequirement(ProtectedSurface.Docs)));
        builder.Services.AddHealthChecks().AddCheck<AccessHealthCheck>("access");
        return builder;
    }

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
