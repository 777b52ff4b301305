using System.Threading.RateLimiting;
using AllClassifier.Model.Imaging;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Decoding;

/// <summary>
/// The one gate in front of every full decode (/predict and /feedback): permits are megapixels, so a few huge
/// images or many small ones may decode at once, never more pixels than the budget. Requests wait in FIFO order
/// behind it; one that finds the queue full is turned away at once.
/// </summary>
public sealed class DecodeGate(IOptions<DecodingOptions> options) : IDisposable
{
    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.MaxDecodingMegapixels,
        QueueLimit = options.Value.MaxQueuedMegapixels,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    /// <summary>Waits for room to decode an image of this size; the lease is not acquired when the queue is full.</summary>
    public ValueTask<RateLimitLease> EnterAsync(ImageHeader header, CancellationToken cancellationToken) =>
        _limiter.AcquireAsync(DecodingOptions.Megapixels(header), cancellationToken);

    /// <summary>Megapixels of images waiting for the budget.</summary>
    public long QueuedMegapixels => _limiter.GetStatistics()?.CurrentQueuedCount ?? 0;

    public void Dispose() => _limiter.Dispose();
}
