using System.Net;
using AllClassifier.Web.Backend;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace AllClassifier.Web.Tests.Infrastructure;

/// <summary>
/// The web app with its backend address (and any other settings) given by the test. Without an address the app
/// finds the backend through service discovery, configured by the settings as Aspire would.
/// </summary>
public sealed class WebAppFactory(Uri? backend, IReadOnlyDictionary<string, string?>? settings = null)
    : WebApplicationFactory<BackendClient>
{
    /// <summary>Serves the app on real Kestrel at 127.0.0.1 (for a browser) instead of the in-memory test server.</summary>
    public Uri StartOnLoopback()
    {
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        StartServer();
        return ClientOptions.BaseAddress;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(
            new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>())
            {
                ["BACKEND_URL"] = backend?.ToString(),
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
            }));
    }

    /// <summary>An address on 127.0.0.1 where nothing listens: a backend that is down.</summary>
    public static Uri ClosedLoopbackAddress()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }
}
