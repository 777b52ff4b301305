using System.Net;
using AllClassifier.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AllClassifier.Web.Tests.Flows;

/// <summary>With <c>Authentication:Oidc:Authority</c> set, signing in is handed to that provider (a discovery document on loopback).</summary>
public sealed class OidcSignInTests : IAsyncLifetime
{
    private WebApplication provider = null!;
    private Uri authority = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        provider = builder.Build();
        provider.MapGet("/.well-known/openid-configuration", (HttpRequest request) =>
        {
            var issuer = $"{request.Scheme}://{request.Host}";
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = issuer,
                ["authorization_endpoint"] = issuer + "/authorize",
                ["token_endpoint"] = issuer + "/token",
                ["end_session_endpoint"] = issuer + "/logout",
                ["jwks_uri"] = issuer + "/jwks",
                ["response_types_supported"] = new[] { "code" },
                ["subject_types_supported"] = new[] { "public" },
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            });
        });
        provider.MapGet("/jwks", () => Results.Json(new { keys = Array.Empty<object>() }));
        await provider.StartAsync();
        authority = new Uri(provider.Urls.Single());
    }

    public async Task DisposeAsync() => await provider.DisposeAsync();

    [Fact]
    public async Task Signed_out_visitors_are_sent_to_the_provider_with_the_authorization_code_flow_and_pkce()
    {
        await using var web = OidcWeb();
        using var client = web.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        using var page = await client.GetAsync("/Model");
        using var signIn = await client.GetAsync("/Account/SignIn");

        foreach (var response in new[] { page, signIn })
        {
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            var target = response.Headers.Location!;
            Assert.Equal(new Uri(authority, "/authorize").GetLeftPart(UriPartial.Path), target.GetLeftPart(UriPartial.Path));
            Assert.Contains("client_id=allclassifier", target.Query);
            Assert.Contains("response_type=code", target.Query);
            Assert.Contains("code_challenge_method=S256", target.Query);
        }

        // A sign-in form post is handed over to the provider too, so the CSP allows that form action.
        Assert.Contains(authority.GetLeftPart(UriPartial.Authority), string.Join(";", signIn.Headers.GetValues("Content-Security-Policy")));
    }

    [Fact]
    public async Task Signing_out_also_signs_out_at_the_provider()
    {
        await using var web = OidcWeb();
        using var client = web.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        // No page of the app has a form before signing in here: the token comes from the app's own antiforgery service.
        var context = new DefaultHttpContext { RequestServices = web.Services };
        var tokens = web.Services.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        var cookie = context.Response.Headers.SetCookie.ToString().Split(';')[0];

        using var request = new HttpRequestMessage(HttpMethod.Post, "/Account/SignOut")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { [tokens.FormFieldName] = tokens.RequestToken! }),
        };
        request.Headers.Add("Cookie", cookie);
        using var signedOut = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        var target = signedOut.Headers.Location!;
        Assert.Equal(new Uri(authority, "/logout").GetLeftPart(UriPartial.Path), target.GetLeftPart(UriPartial.Path));
        Assert.Contains("post_logout_redirect_uri=", target.Query, StringComparison.Ordinal);
        Assert.Contains(signedOut.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Cookies=;", StringComparison.Ordinal));
    }

    private WebAppFactory OidcWeb() => new(WebAppFactory.ClosedLoopbackAddress(), new Dictionary<string, string?>
    {
        ["Authentication:Oidc:Authority"] = authority.ToString(),
        ["Authentication:Oidc:ClientId"] = "allclassifier",
        ["Authentication:Oidc:ClientSecret"] = "secret",
        ["Authentication:Oidc:RequireHttpsMetadata"] = "false",
    });
}
