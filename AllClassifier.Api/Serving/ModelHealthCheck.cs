using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AllClassifier.Api.Serving;

/// <summary>
/// Degraded (not unhealthy) without a model or while the registry's champion cannot be served: the API answers,
/// with the last good model if it has one, and a restart would not mend a bad file.
/// </summary>
internal sealed class ModelHealthCheck(ModelHolder holder) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult((holder.Current, holder.ChampionProblem) switch
        {
            (null, null) => HealthCheckResult.Degraded("no model is loaded yet"),
            (null, { } problem) => HealthCheckResult.Degraded($"no model is loaded: {problem}"),
            ({ } model, null) => HealthCheckResult.Healthy($"serving model version {model.Version}"),
            ({ } model, { } problem) => HealthCheckResult.Degraded($"serving model version {model.Version}, not the champion: {problem}"),
        });
}
