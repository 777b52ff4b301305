using AllClassifier.Web.Backend;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;

namespace AllClassifier.Web.Proxy;

/// <summary>
/// Forwards <c>/api/{**rest}</c> to the API with the prefix removed, so browsers and scripts reach the whole API
/// through the web origin. The destination is the backend address; service discovery expands it to every replica.
/// </summary>
public static class BackendProxyExtensions
{
    public const string RoutePrefix = "/api";
    internal const string ClusterId = "backend";

    public static IHostApplicationBuilder AddBackendProxy(this IHostApplicationBuilder builder)
    {
        builder.Services.AddReverseProxy().AddServiceDiscoveryDestinationResolver();
        builder.Services.AddSingleton<IProxyConfigProvider>(services =>
        {
            var backend = services.GetRequiredService<IOptions<BackendOptions>>().Value;
            return new InMemoryConfigProvider([CreateRoute()], [CreateCluster(backend.Url)]);
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapBackendProxy(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapReverseProxy();
        return endpoints;
    }

    internal static RouteConfig CreateRoute() =>
        new RouteConfig
        {
            RouteId = "backend-api",
            ClusterId = ClusterId,
            Match = new RouteMatch { Path = RoutePrefix + "/{**rest}" },
        }.WithTransformPathRemovePrefix(RoutePrefix);

    internal static ClusterConfig CreateCluster(string backendUrl) => new()
    {
        ClusterId = ClusterId,
        LoadBalancingPolicy = "RoundRobin",
        Destinations = new Dictionary<string, DestinationConfig>
        {
            ["backend"] = new() { Address = backendUrl },
        },
    };
}
