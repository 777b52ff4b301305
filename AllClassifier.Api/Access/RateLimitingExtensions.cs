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
            .Validate(o => o.TokenLimit > 0 && o.TokensPerPeriod > 0 && o.ReplenishmentPeriod > TimeSpan.Zero
                    && o.PersonTokenLimit is null or > 0 && o.PersonTokensPerPeriod is null or > 0,
                "RateLimiting: TokenLimit, TokensPerPeriod and the person limits must be positive and ReplenishmentPeriod longer than zero.")
            .ValidateOnStart();

        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>()
            .Configure<IOptions<RateLimitOptions>, ILoggerFactory>((limiter, limits, loggers) =>
            {
                var settings = limits.Value;
                // Chained: a request needs a token from its client's bucket and, for a named person, from the
                // person's too. The client's bucket alone bounds what the client sends, whatever names it gives.
                limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                    PartitionedRateLimiter.Create<HttpContext, string>(context =>
                        settings.Enabled
                            ? RateLimitPartition.GetTokenBucketLimiter(PartitionKey(context), _ => Bucket(settings.TokenLimit, settings.TokensPerPeriod, settings))
                            : RateLimitPartition.GetNoLimiter(string.Empty)),
                    PartitionedRateLimiter.Create<HttpContext, string>(context =>
                        settings.Enabled && PersonKey(context) is { } person
                            ? RateLimitPartition.GetTokenBucketLimiter(person, _ => Bucket(
                                settings.PersonTokenLimit ?? settings.TokenLimit, settings.PersonTokensPerPeriod ?? settings.TokensPerPeriod, settings))
                            : RateLimitPartition.GetNoLimiter(string.Empty)));
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

    private static TokenBucketRateLimiterOptions Bucket(int tokenLimit, int tokensPerPeriod, RateLimitOptions settings) => new()
    {
        TokenLimit = tokenLimit,
        TokensPerPeriod = tokensPerPeriod,
        ReplenishmentPeriod = settings.ReplenishmentPeriod,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>
    /// Callers with a key share its budget wherever they connect from and whoever they say they act for (the
    /// acting-user header is the caller's word, so it never earns a budget of its own); callers without a key are
    /// told apart by address.
    /// </summary>
    private static string PartitionKey(HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, Name: { } client }
            ? "client:" + client
            : "address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    /// <summary>The person behind a keyed client (<c>client:person</c>), or null when the client names nobody.</summary>
    private static string? PersonKey(HttpContext context) =>
        CallerName.Of(context) is { } caller && context.User.Identity?.Name is { } client && caller != client ? "person:" + caller : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "rate limit reached for {Caller}")]
    private static partial void LogRejected(ILogger logger, string caller);
}
