using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AllClassifier.Api.Signing;

/// <summary>
/// Unhealthy while no public key is configured (nothing can be served, which a restart with the same settings will
/// not mend); Degraded while unsigned models are allowed.
/// </summary>
internal sealed class ModelSigningHealthCheck(ModelSignatureVerifier verifier) : IHealthCheck
{
    public const string Name = "model-signing";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult((verifier.Misconfiguration, verifier.AllowUnsigned) switch
        {
            ({ } problem, _) => HealthCheckResult.Unhealthy(problem),
            (null, true) => HealthCheckResult.Degraded(
                $"{ModelSigningOptions.SectionName}:AllowUnsigned is set: models without a signature are served"),
            _ => HealthCheckResult.Healthy($"models must be signed by a trusted key ({string.Join(", ", verifier.KeyIds)})"),
        });
}
