using AllClassifier.Api.Access;
using AllClassifier.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AllClassifier.Api.Tests.Access;

/// <summary>
/// Every endpoint the API maps declares who may call it, and every endpoint that takes an image needs at least
/// the predict scope: a classifying endpoint cannot be added open by forgetting its policy.
/// </summary>
public sealed class EndpointPolicyTests(KeyedApiFactory api) : IClassFixture<KeyedApiFactory>
{
    private static readonly string[] ClassifyingPolicies = [ApiPolicies.Predict, ApiPolicies.Feedback, ApiPolicies.Admin];

    [Fact]
    public void Every_endpoint_names_a_policy_or_says_it_is_open_and_every_image_upload_needs_a_scope()
    {
        _ = api.CreateClient();
        var endpoints = api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.Contains(endpoints, endpoint => endpoint.RoutePattern.RawText?.TrimEnd('/') == "/explain");

        foreach (var endpoint in endpoints)
        {
            var name = $"{string.Join(",", endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])} {endpoint.RoutePattern.RawText}";
            var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(data => data.Policy).ToList();
            var open = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            Assert.True(open || policies.Count > 0, $"{name} must either name a policy or be explicitly open (policies: {string.Join(", ", policies)})");

            var takesUploads = endpoint.Metadata.GetOrderedMetadata<IAcceptsMetadata>()
                .Any(accepts => accepts.ContentTypes.Contains("multipart/form-data"));
            if (takesUploads)
            {
                Assert.False(open, $"{name} takes an image and must not be open");
                Assert.Contains(policies, policy => ClassifyingPolicies.Contains(policy));
            }
        }
    }

    [Fact]
    public async Task An_endpoint_without_a_declaration_falls_back_to_the_admin_scope()
    {
        var fallback = await api.Services.GetRequiredService<IAuthorizationPolicyProvider>().GetFallbackPolicyAsync();

        var requirement = Assert.IsType<ApiKeyRequirement>(Assert.Single(Assert.IsType<AuthorizationPolicy>(fallback).Requirements));
        Assert.Equal(ApiScopes.Admin, requirement.Scope);
    }
}
