using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AllClassifier.Trainer.Worker;

/// <summary>
/// Healthy while the worker trains or waits for feedback; Degraded when its last pipeline run failed or the
/// registry's champion is unusable, so the dashboard shows the problem without restarting a worker that will
/// retry (or train a new champion) on its own.
/// </summary>
public sealed class WorkerHealthCheck(WorkerStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = status.Current;
        var data = new Dictionary<string, object>
        {
            ["activity"] = snapshot.Activity.ToString(),
            ["since"] = snapshot.Since.ToString("O"),
        };
        if (snapshot.LastRunId is { } runId)
        {
            data["last_run_id"] = runId;
        }

        var result = (snapshot.LastError, snapshot.RegistryProblem) switch
        {
            ({ } error, _) => HealthCheckResult.Degraded($"The last training run failed: {error}", data: data),
            (_, { } problem) => HealthCheckResult.Degraded($"The registry's champion is unusable: {problem}", data: data),
            _ => HealthCheckResult.Healthy($"{snapshot.Activity} since {snapshot.Since:u}", data),
        };
        return Task.FromResult(result);
    }
}
