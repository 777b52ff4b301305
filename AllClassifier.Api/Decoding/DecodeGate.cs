using System.Threading.RateLimiting;
using AllClassifier.Api.Backpressure;
using AllClassifier.Model.Imaging;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Decoding;

/// <summary>
/// The one gate in front of every full decode (/predict and /feedback): permits are megapixels, so a few huge
/// images or many small ones may decode at once, never more pixels than the budget.
/// </summary>
public sealed class DecodeGate(IOptions<DecodingOptions> options)
    : FifoGate(options.Value.MaxDecodingMegapixels, options.Value.MaxQueuedMegapixels)
{
    /// <summary>Waits for room to decode an image of this size; the lease is not acquired when the queue is full.</summary>
    public ValueTask<RateLimitLease> EnterAsync(ImageHeader header, CancellationToken cancellationToken) =>
        AcquireAsync(DecodingOptions.Megapixels(header), cancellationToken);
}
