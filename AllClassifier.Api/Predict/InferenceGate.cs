using System.Threading.RateLimiting;
using AllClassifier.Api.Backpressure;
using AllClassifier.Api.Serving;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Predict;

/// <summary>Bounds the inferences running at once (one per core by default) with a short queue behind them.</summary>
public sealed class InferenceGate(IOptions<ModelServingOptions> options)
    : FifoGate(options.Value.MaxConcurrentInferences, options.Value.QueueLength)
{
    public ValueTask<RateLimitLease> EnterAsync(CancellationToken cancellationToken) => AcquireAsync(1, cancellationToken);
}
