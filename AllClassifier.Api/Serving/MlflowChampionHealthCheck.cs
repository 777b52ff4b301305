using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Serving;

/// <summary>Degraded while the last attempt to follow MLflow failed: the API serves, but possibly not MLflow's current champion.</summary>
internal sealed class MlflowChampionHealthCheck(MlflowFollowStatus status, IOptions<MlflowChampionOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!options.Value.FollowChampion)
        {
            return Task.FromResult(HealthCheckResult.Healthy("serving the local registry; MLflow is not followed"));
        }

        var current = status.Current;
        return Task.FromResult(current.Error is { } error
            ? HealthCheckResult.Degraded($"MLflow not followed (last success {current.LastSuccess?.ToString("O") ?? "never"}): {error}")
            : HealthCheckResult.Healthy(current.LastSuccess is null ? "waiting for the first MLflow check" : $"following MLflow, alias at version {current.Version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unset"}"));
    }
}
