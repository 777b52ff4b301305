using AllClassifier.Web.Backend;
using AllClassifier.Web.Staff;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;

namespace AllClassifier.Web.Proxy;

/// <summary>
/// Forwards to the API only the few reads the pages load from the browser (<see cref="AllowedRoutes"/>), only for
/// signed-in staff, with the prefix removed and this app's key added server-side. Everything else under
/// <c>/api</c> is a 404: in particular no other site can make a signed-in browser post training data to the API.
/// The destination is the backend address; service discovery expands it to every replica.
/// </summary>
public static class BackendProxyExtensions
{
    public const string RoutePrefix = "/api";
    internal const string ClusterId = "backend";

    /// <summary>Method and path (under <see cref="RoutePrefix"/>) of every request the proxy forwards.</summary>
    public static IReadOnlyList<(string Method, string Path)> AllowedRoutes { get; } =
    [
        ("GET", "/model"),
        ("GET", "/model/confusion-matrix.png"),
        ("GET", "/feedback/count"),
    ];

    public static IHostApplicationBuilder AddBackendProxy(this IHostApplicationBuilder builder)
    {
        builder.Services.AddReverseProxy()
            .AddServiceDiscoveryDestinationResolver()
            .AddTransforms(transforms =>
            {
                // The browser's cookies are for this app only; the API gets this app's key instead.
                transforms.AddRequestHeaderRemove("Cookie");
                var credentials = transforms.Services.GetRequiredService<BackendCredentials>();
                transforms.AddRequestTransform(context =>
                {
                    credentials.Apply(context.ProxyRequest.Headers, context.HttpContext.User);
                    return ValueTask.CompletedTask;
                });
                // Answers describe patients' data: never kept by browsers or shared caches.
                transforms.AddResponseHeader("Cache-Control", "no-store", append: false, ResponseCondition.Always);
            });
        builder.Services.AddSingleton<IProxyConfigProvider>(services =>
        {
            var backend = services.GetRequiredService<IOptions<BackendOptions>>().Value;
            return new InMemoryConfigProvider(CreateRoutes(), [CreateCluster(backend.Url)]);
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapBackendProxy(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapReverseProxy();
        return endpoints;
    }

    internal static IReadOnlyList<RouteConfig> CreateRoutes() =>
    [
        .. AllowedRoutes.Select(route => new RouteConfig
        {
            RouteId = $"backend {route.Method} {route.Path}",
            ClusterId = ClusterId,
            AuthorizationPolicy = StaffPolicies.Staff,
            Match = new RouteMatch { Path = RoutePrefix + route.Path, Methods = [route.Method] },
        }.WithTransformPathRemovePrefix(RoutePrefix)),
    ];

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
