using AllClassifier.Feedback.Audit;
using AllClassifier.Feedback;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Audit;

public static class AuditExtensions
{
    /// <summary>
    /// The audit chain in the feedback database (PostgreSQL when the <c>feedback</c> connection string is set, else the
    /// SQLite file), the prediction recorder and the retention sweep.
    /// </summary>
    public static IHostApplicationBuilder AddAudit(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuditOptions>()
            .BindConfiguration(AuditOptions.SectionName)
            .Validate(
                o => o.RetentionDays > 0 && o.PendingImageMinutes > 0 && o.SweepInterval > TimeSpan.Zero && o.DefaultExportDays > 0,
                "Audit:RetentionDays (AUDIT_RETENTION_DAYS), Audit:PendingImageMinutes, Audit:SweepInterval and " +
                "Audit:DefaultExportDays must be positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton<AuditDatabase>(services =>
            services.GetRequiredService<IOptions<FeedbackOptions>>().Value.PostgresConnectionString is not null
                ? ActivatorUtilities.CreateInstance<PostgresAuditDatabase>(services)
                : ActivatorUtilities.CreateInstance<SqliteAuditDatabase>(services));
        builder.Services.AddSingleton<AuditLedger>();
        builder.Services.AddSingleton<PredictionRecorder>();
        builder.Services.AddSingleton<PredictionCorrections>();
        builder.Services.AddHostedService<AuditRetentionService>();
        builder.Services.AddHealthChecks().AddCheck<AuditStoreHealthCheck>("audit-store");
        return builder;
    }
}

/// <summary>Names the audit store in /health (its reachability is the feedback store's check: the same database).</summary>
internal sealed class AuditStoreHealthCheck(AuditDatabase database) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Healthy($"prediction records in {database.Describe}"));
}
