using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Access;

/// <summary>Says on <c>/health</c> whether callers need a key, so an open API is never a silent default.</summary>
public sealed class AccessHealthCheck(IOptions<ApiAccessOptions> options) : IHealthCheck
{
    public const string OpenDescription =
        "no API key is configured (Auth:ApiKeys): anyone who can reach the API may store feedback";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Healthy(options.Value.KeysConfigured
            ? $"API keys required for writes ({options.Value.ApiKeys.Count} clients)"
            : OpenDescription));
}
