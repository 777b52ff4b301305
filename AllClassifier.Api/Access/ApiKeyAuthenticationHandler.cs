using System.Security.Claims;
using System.Text.Encodings.Web;
using AllClassifier.Api.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Access;

/// <summary>Authenticates a caller by its <c>X-Api-Key</c> header; the key's client name becomes the identity.</summary>
public sealed partial class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyRing keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    public const string ChallengeDetail = "a valid X-Api-Key header is required";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (keys.FindClient(values[0]!) is not { } client)
        {
            LogUnknownKey(Logger, Context.Connection.RemoteIpAddress?.ToString() ?? "unknown", Request.Method, Request.Path);
            return Task.FromResult(AuthenticateResult.Fail("unknown API key"));
        }

        var claims = ApiScopeNames.Each(keys.ScopesOf(client)).Select(scope => new Claim(ApiScopeNames.ClaimType, scope))
            .Prepend(new Claim(ClaimTypes.Name, client));
        var identity = new ClaimsIdentity(claims, SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = HeaderName;
        await Response.WriteAsJsonAsync(new ErrorResponse(ChallengeDetail, ErrorCodes.Unauthorized), Context.RequestAborted);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        var scope = Context.Items.TryGetValue(ApiKeyRequirementHandler.MissingScopeItem, out var missing) ? missing as string : null;
        var detail = scope is null ? "this API key may not call this endpoint" : $"this API key lacks the '{scope}' scope";
        await Response.WriteAsJsonAsync(new ErrorResponse(detail, ErrorCodes.Forbidden), Context.RequestAborted);
    }

    // The key itself is never logged, only where the attempt came from.
    [LoggerMessage(Level = LogLevel.Warning, Message = "refused an unknown API key from {RemoteAddress} for {Method} {Path}")]
    private static partial void LogUnknownKey(ILogger logger, string remoteAddress, string method, string path);
}
