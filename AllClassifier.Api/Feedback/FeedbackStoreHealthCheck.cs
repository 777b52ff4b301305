using AllClassifier.Feedback;
using HealthChecks.NpgSql;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace AllClassifier.Api.Feedback;

/// <summary>
/// Names the feedback store in /health and, for PostgreSQL, checks that the server answers (a replica that cannot
/// reach it stores nothing). The SQLite file is opened per request and reports its own failures as 503/507.
/// </summary>
internal sealed class FeedbackStoreHealthCheck(IFeedbackStore store, IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        switch (store)
        {
            case PostgresFeedbackStore:
                var dataSource = services.GetRequiredService<NpgsqlDataSource>();
                var builder = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
                var where = $"PostgreSQL database {builder.Database} on {builder.Host}:{builder.Port}";
                var result = await new NpgSqlHealthCheck(new NpgSqlHealthCheckOptions(dataSource)).CheckHealthAsync(context, cancellationToken);
                return new HealthCheckResult(
                    result.Status,
                    result.Status == HealthStatus.Healthy ? where : $"{where} does not answer: {result.Exception?.Message ?? result.Description}",
                    result.Exception);
            case SqliteFeedbackStore sqlite:
                return HealthCheckResult.Healthy($"SQLite file {sqlite.DatabasePath}");
            default:
                return HealthCheckResult.Healthy(store.GetType().Name);
        }
    }
}
