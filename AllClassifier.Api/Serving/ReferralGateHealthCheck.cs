using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AllClassifier.Api.Serving;

/// <summary>
/// Degraded while the served model has no referral gate: it still classifies, but never refers an image it was not
/// trained for, which a lab must know. Nothing to say without a model (the model check reports that).
/// </summary>
internal sealed class ReferralGateHealthCheck(ModelHolder holder) : IHealthCheck
{
    public const string Name = "referral-gate";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(holder.Current switch
        {
            null => HealthCheckResult.Healthy("no model is served"),
            { ReferralGate.Present: true } model => HealthCheckResult.Healthy($"model version {model.Version}: {model.ReferralGate.Describe()}"),
            { } model => HealthCheckResult.Degraded(
                $"model version {model.Version} serves without a referral gate ({model.ReferralGate.Absence}): no image is referred"),
        });
}
