using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using AllClassifier.Api.Serving;

namespace AllClassifier.Api.Predict;

/// <summary>
/// Bounds the inferences running at once (one per core by default) with a short FIFO queue behind them;
/// a request that finds the queue full is turned away at once instead of piling up until it times out.
/// </summary>
public sealed class InferenceGate(IOptions<ModelServingOptions> options) : IDisposable
{
    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.MaxConcurrentInferences,
        QueueLimit = options.Value.QueueLength,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    public ValueTask<RateLimitLease> EnterAsync(CancellationToken cancellationToken) =>
        _limiter.AcquireAsync(1, cancellationToken);

    public void Dispose() => _limiter.Dispose();
}
