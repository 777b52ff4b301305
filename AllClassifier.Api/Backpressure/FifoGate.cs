using System.Threading.RateLimiting;

namespace AllClassifier.Api.Backpressure;

/// <summary>
/// A bounded amount of work at once with a bounded FIFO queue behind it: a request that finds the queue full is
/// turned away at once (its lease is not acquired) instead of piling up until it times out.
/// </summary>
public abstract class FifoGate(int permitLimit, int queueLimit) : IDisposable
{
    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = permitLimit,
        QueueLimit = queueLimit,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    /// <summary>Permits waiting in the queue.</summary>
    public long Queued => _limiter.GetStatistics()?.CurrentQueuedCount ?? 0;

    public void Dispose()
    {
        _limiter.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Takes the permits only if they are free now and nobody is queued; never waits.</summary>
    protected RateLimitLease AttemptAcquire(int permits) => _limiter.AttemptAcquire(permits);

    protected ValueTask<RateLimitLease> AcquireAsync(int permits, CancellationToken cancellationToken) =>
        _limiter.AcquireAsync(permits, cancellationToken);
}
