using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Access;

/// <summary>What a policy protects; each can be opened or closed by <see cref="ApiAccessOptions"/>.</summary>
public enum ProtectedSurface
{
    /// <summary>Classifying images: open unless <see cref="ApiAccessOptions.RequireKeyForPredict"/>.</summary>
    Predict,

    /// <summary>Storing corrections and case work: always protected once a key exists.</summary>
    Feedback,

    /// <summary>Administering the service: always protected once a key exists.</summary>
    Admin,
    Metrics,
    Docs,
}

/// <summary>A valid API key with <paramref name="Scope"/>, when keys are configured and the surface is protected.</summary>
public sealed record ApiKeyRequirement(ProtectedSurface Surface, ApiScopes Scope) : IAuthorizationRequirement;

public sealed class ApiKeyRequirementHandler(IOptions<ApiAccessOptions> options) : AuthorizationHandler<ApiKeyRequirement>
{
    /// <summary>Where a refused request records the scope it lacked, for the 403 answer.</summary>
    public const string MissingScopeItem = "allclassifier.missing-scope";

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApiKeyRequirement requirement)
    {
        var http = context.Resource as HttpContext;

        // The fallback policy also sees requests that matched no endpoint: those answer 404, with nothing to protect.
        if (!IsProtected(options.Value, requirement.Surface) || http is { } request && request.GetEndpoint() is null)
        {
            context.Succeed(requirement);
            return Task.CompletedTask;
        }

        var key = context.User.Identities.FirstOrDefault(identity =>
            identity is { IsAuthenticated: true, AuthenticationType: ApiKeyAuthenticationHandler.SchemeName });
        if (key is null)
        {
            return Task.CompletedTask;
        }

        if (requirement.Scope == ApiScopes.None || key.HasClaim(ApiScopeNames.ClaimType, ApiScopeNames.Of(requirement.Scope)))
        {
            context.Succeed(requirement);
        }
        else if (http is not null)
        {
            http.Items[MissingScopeItem] = ApiScopeNames.Of(requirement.Scope);
        }

        return Task.CompletedTask;
    }

    private static bool IsProtected(ApiAccessOptions access, ProtectedSurface surface) => access.KeysConfigured && surface switch
    {
        ProtectedSurface.Predict => access.RequireKeyForPredict,
        ProtectedSurface.Metrics => access.RequireKeyForMetrics,
        ProtectedSurface.Docs => access.RequireKeyForDocs,
        _ => true,
    };
}
