using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace AllClassifier.Web.Staff;

/// <summary>
/// An account whose password someone else knows — the first admin's deployment secret, an initial password an admin
/// typed, a reset — carries the <see cref="ClaimType"/> user claim until its owner chooses a new password. Identity
/// puts user claims into the sign-in cookie, and every staff policy holds a <see cref="CurrentPasswordRequirement"/>
/// that such a session fails everywhere except on the change page.
/// </summary>
public static class PasswordChange
{
    public const string ClaimType = "allclassifier:password_change_required";
    public const string PagePath = "/Account/Password";

    public static Claim RequiredClaim() => new(ClaimType, "true");

    public static bool IsPasswordChangeRequired(this ClaimsPrincipal user) => user.HasClaim(c => c.Type == ClaimType);
}

/// <summary>Endpoint metadata of the one page a session that must change its password may use.</summary>
public sealed class PasswordChangePage;

/// <summary>The session's password is its owner's own (see <see cref="PasswordChange"/>).</summary>
public sealed class CurrentPasswordRequirement : IAuthorizationRequirement;

public sealed class CurrentPasswordHandler : AuthorizationHandler<CurrentPasswordRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, CurrentPasswordRequirement requirement)
    {
        var endpoint = context.Resource switch
        {
            HttpContext http => http.GetEndpoint(),
            Endpoint e => e,
            _ => null,
        };
        if (!context.User.IsPasswordChangeRequired() || endpoint?.Metadata.GetMetadata<PasswordChangePage>() is not null)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Sends a session that fails only for want of a password change to the change page (a page) or answers 403 with a
/// JSON detail (the <c>/api</c> proxy), instead of the generic access-denied page; every other outcome is the default.
/// </summary>
public sealed class PasswordChangeRedirect : IAuthorizationMiddlewareResultHandler
{
    public const string ApiDetail = "Change your password before anything else.";

    private readonly AuthorizationMiddlewareResultHandler fallback = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Forbidden
            || authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<CurrentPasswordRequirement>().Any() != true)
        {
            await fallback.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        if (context.Request.Path.StartsWithSegments(Proxy.BackendProxyExtensions.RoutePrefix))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsJsonAsync(new { detail = ApiDetail });
            return;
        }

        var returnUrl = context.Request.PathBase + context.Request.Path + context.Request.QueryString;
        context.Response.Redirect($"{context.Request.PathBase}{PasswordChange.PagePath}?ReturnUrl={Uri.EscapeDataString(returnUrl)}");
    }
}
