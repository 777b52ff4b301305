using Microsoft.Extensions.Options;

namespace AllClassifier.Web.Backend;

public static class BackendExtensions
{
    /// <summary>Binds <see cref="BackendOptions"/> (with <c>BACKEND_URL</c> taking precedence) and registers the typed
    /// <see cref="BackendClient"/>, resolving its address through service discovery.</summary>
    public static IHostApplicationBuilder AddBackendClient(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BackendOptions>()
            .BindConfiguration(BackendOptions.SectionName)
            .Configure<IConfiguration>((options, configuration) =>
            {
                if (configuration["BACKEND_URL"] is { Length: > 0 } url)
                {
                    options.Url = url;
                }
            })
            .Validate(options => Uri.TryCreate(options.Url, UriKind.Absolute, out _), "The backend address (BACKEND_URL or Backend:Url) must be an absolute URL.")
            .ValidateOnStart();

        builder.Services.AddServiceDiscovery();
        builder.Services.AddHttpClient<BackendClient>((services, http) =>
            {
                var options = services.GetRequiredService<IOptions<BackendOptions>>().Value;
                http.BaseAddress = WithTrailingSlash(new Uri(options.Url));
                http.Timeout = options.Timeout;
            })
            .AddServiceDiscovery();
        return builder;
    }

    /// <summary>Relative request paths resolve under the base address only when it ends with a slash.</summary>
    internal static Uri WithTrailingSlash(Uri address) =>
        address.AbsolutePath.EndsWith('/') ? address : new Uri(address + "/");
}
