using System.Net.Http.Headers;
using System.Security.Claims;
using AllClassifier.Web.Staff;
using Microsoft.Extensions.Options;

namespace AllClassifier.Web.Backend;

/// <summary>
/// What this app tells the API about a call: its own key, and the signed-in person it acts for, which the API records
/// with each correction. Applied server-side to every call, so the key never reaches a browser and a browser cannot
/// choose the name.
/// </summary>
public sealed class BackendCredentials(IOptions<BackendOptions> options)
{
    public const string ApiKeyHeader = "X-Api-Key";
    public const string ActingUserHeader = "X-Acting-User";

    public void Apply(HttpRequestHeaders headers, ClaimsPrincipal? user)
    {
        headers.Remove(ApiKeyHeader);
        headers.Remove(ActingUserHeader);
        if (options.Value.ApiKey is { Length: > 0 } key)
        {
            headers.TryAddWithoutValidation(ApiKeyHeader, key);
        }

        if (user?.StaffName() is { } name)
        {
            // Header values must be printable ASCII; other names travel percent-encoded.
            headers.TryAddWithoutValidation(ActingUserHeader, name.All(c => c is >= ' ' and < (char)127) ? name : Uri.EscapeDataString(name));
        }
    }
}

/// <summary>Adds <see cref="BackendCredentials"/> to every call of the typed <see cref="BackendClient"/>.</summary>
public sealed class BackendCredentialsHandler(BackendCredentials credentials, IHttpContextAccessor httpContext) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        credentials.Apply(request.Headers, httpContext.HttpContext?.User);
        return base.SendAsync(request, cancellationToken);
    }
}
