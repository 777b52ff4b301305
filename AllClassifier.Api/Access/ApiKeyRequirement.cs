using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Access;

/// <summary>What a policy protects; each can be opened or closed by <see cref="ApiAccessOptions"/>.</summary>
public enum ProtectedSurface
{
    /// <summary>Anything that changes state or administers the service: always protected once a key exists.</summary>
    Writes,
    Predict,
    Metrics,
    Docs,
}

/// <summary>A valid API key, when keys are configured and the surface is protected.</summary>
public sealed record ApiKeyRequirement(ProtectedSurface Surface) : IAuthorizationRequirement;

public sealed class ApiKeyRequirementHandler(IOptions<ApiAccessOptions> options) : AuthorizationHandler<ApiKeyRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApiKeyRequirement requirement)
    {
        if (!IsProtected(options.Value, requirement.Surface)
            || context.User.Identities.Any(identity => identity is { IsAuthenticated: true, AuthenticationType: ApiKeyAuthenticationHandler.SchemeName }))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }

    private static bool IsProtected(ApiAccessOptions access, ProtectedSurface surface) => access.KeysConfigured && surface switch
    {
        ProtectedSurface.Writes => true,
        ProtectedSurface.Predict => access.RequireKeyForPredict,
        ProtectedSurface.Metrics => access.RequireKeyForMetrics,
        ProtectedSurface.Docs => access.RequireKeyForDocs,
        _ => true,
    };
}
