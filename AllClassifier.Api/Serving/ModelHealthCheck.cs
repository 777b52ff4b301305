using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AllClassifier.Api.Serving;

/// <summary>Degraded (not unhealthy) without a model: the API answers, but /predict cannot yet.</summary>
internal sealed class ModelHealthCheck(ModelHolder holder) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(holder.Current is { } model
            ? HealthCheckResult.Healthy($"serving model version {model.Version}")
            : HealthCheckResult.Degraded("no model is loaded yet"));
}
