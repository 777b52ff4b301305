using System.Globalization;
using System.Threading.RateLimiting;
using AllClassifier.Api.Errors;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Access;

public static partial class RateLimitingExtensions
{
    public const string TooManyRequestsDetail = "too many requests; retry after the time in Retry-After";

    public static IHostApplicationBuilder AddApiRateLimiting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>()
            .BindConfiguration(RateLimitOptions.SectionName)
            .Validate(o => o.TokenLimit > 0 && o.TokensPerPeriod > 0 && o.ReplenishmentPeriod > TimeSpan.Zero,
                "RateLimiting: TokenLimit and TokensPerPeriod must be positive and ReplenishmentPeriod longer than zero.")
            .ValidateOnStart();

        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>()
            .Configure<IOptions<RateLimitOptions>, ILoggerFactory>((limiter, limits, loggers) =>
            {
                var settings = limits.Value;
                limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                    settings.Enabled
                        ? RateLimitPartition.GetTokenBucketLimiter(PartitionKey(context), _ => new TokenBucketRateLimiterOptions
                        {
                            TokenLimit = settings.TokenLimit,
                            TokensPerPeriod = settings.TokensPerPeriod,
                            ReplenishmentPeriod = settings.ReplenishmentPeriod,
                            QueueLimit = 0,
                            AutoReplenishment = true,
                        })
                        : RateLimitPartition.GetNoLimiter(string.Empty));
                limiter.OnRejected = async (rejected, cancellationToken) =>
                {
                    var response = rejected.HttpContext.Response;
                    response.StatusCode = StatusCodes.Status429TooManyRequests;
                    var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : settings.ReplenishmentPeriod;
                    response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                    LogRejected(loggers.CreateLogger(typeof(RateLimitingExtensions).FullName!), PartitionKey(rejected.HttpContext));
                    await response.WriteAsJsonAsync(new ErrorResponse(TooManyRequestsDetail, ErrorCodes.RateLimited), cancellationToken);
                };
            });
        return builder;
    }

    /// <summary>
    /// Callers with a key share its budget wherever they connect from, each person behind a front end their own;
    /// callers without a key are told apart by address.
    /// </summary>
    private static string PartitionKey(HttpContext context) =>
        CallerName.Of(context) is { } caller
            ? "client:" + caller
            : "address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    [LoggerMessage(Level = LogLevel.Warning, Message = "rate limit reached for {Caller}")]
    private static partial void LogRejected(ILogger logger, string caller);
}
