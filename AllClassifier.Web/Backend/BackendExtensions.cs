using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace AllClassifier.Web.Backend;

public static class BackendExtensions
{
    /// <summary>Binds <see cref="BackendOptions"/> (<c>BACKEND_URL</c> is an alias of <c>Backend:Url</c>) and registers the typed
    /// <see cref="BackendClient"/>; its address is resolved by service discovery and its calls go through the
    /// standard resilience handler, tuned in <see cref="ConfigureResilience"/> instead of the service defaults' one.</summary>
    public static IHostApplicationBuilder AddBackendClient(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BackendOptions>()
            .BindConfiguration(BackendOptions.SectionName)
            .Validate(options => Uri.TryCreate(options.Url, UriKind.Absolute, out _),
                "The backend address Backend:Url (BACKEND_URL) must be an absolute URL.")
            .Validate(options => options.Timeout > TimeSpan.Zero, "Backend:Timeout must be positive.")
            .ValidateOnStart();

        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<BackendCredentials>();
        builder.Services.AddTransient<BackendCredentialsHandler>();
        var client = builder.Services.AddHttpClient<BackendClient>((services, http) =>
        {
            var options = services.GetRequiredService<IOptions<BackendOptions>>().Value;
            http.BaseAddress = WithTrailingSlash(new Uri(options.Url));
            // The resilience pipeline enforces the time limit; this one only has to stay out of its way.
            http.Timeout = options.Timeout + TimeSpan.FromSeconds(5);
        }).AddHttpMessageHandler<BackendCredentialsHandler>();

        // Replaces the service defaults' handler, whose retries would resend corrections and wait out 503s.
#pragma warning disable EXTEXP0001 // Marked for evaluation, and the supported way to replace a default handler.
        client.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        client.AddStandardResilienceHandler()
            .Configure((resilience, services) =>
                ConfigureResilience(resilience, services.GetRequiredService<IOptions<BackendOptions>>().Value));
        return builder;
    }

    /// <summary>
    /// Retries only what cannot have reached the API (no connection, a gateway failure) and only for reads: a
    /// correction must never be stored twice, and a 503 (no model yet, or a full queue) is the API's answer for the
    /// user, not a fault to hide behind seconds of waiting.
    /// </summary>
    internal static void ConfigureResilience(HttpStandardResilienceOptions resilience, BackendOptions backend)
    {
        resilience.TotalRequestTimeout.Timeout = backend.Timeout;
        resilience.Retry.MaxRetryAttempts = 2;
        resilience.Retry.Delay = TimeSpan.FromMilliseconds(200);
        resilience.Retry.ShouldRetryAfterHeader = false;
        resilience.Retry.ShouldHandle = arguments => ValueTask.FromResult(IsTransportFailure(arguments.Outcome));
        resilience.Retry.DisableForUnsafeHttpMethods();
        // Many "no model yet" answers are not an outage; only failures to reach the API open the circuit.
        resilience.CircuitBreaker.ShouldHandle = arguments => ValueTask.FromResult(IsTransportFailure(arguments.Outcome));
    }

    private static bool IsTransportFailure(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is HttpRequestException
        || outcome.Result?.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout;

    /// <summary>Relative request paths resolve under the base address only when it ends with a slash.</summary>
    internal static Uri WithTrailingSlash(Uri address) =>
        address.AbsolutePath.EndsWith('/') ? address : new Uri(address + "/");
}
