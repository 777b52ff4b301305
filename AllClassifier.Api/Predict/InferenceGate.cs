using System.Threading.RateLimiting;
using AllClassifier.Api.Backpressure;
using AllClassifier.Api.Serving;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Predict;

/// <summary>A granted (or refused) place to run one inference, and whether it may use every core.</summary>
public readonly record struct InferenceSlot(RateLimitLease Lease, bool WholeMachine) : IDisposable
{
    public bool IsAcquired => Lease.IsAcquired;

    public void Dispose() => Lease.Dispose();
}

/// <summary>
/// Hands out the cores inference may use (one permit per core) with a short FIFO queue behind them: an inference
/// that finds every core free and nobody waiting takes them all and runs on the whole-machine session; otherwise it
/// takes one. ONNX Runtime therefore never runs more threads than cores, and a request that finds the queue full is
/// turned away at once instead of piling up until it times out.
/// </summary>
public sealed class InferenceGate(IOptions<ModelServingOptions> options)
    : FifoGate(options.Value.MaxConcurrentInferences, options.Value.QueueLength)
{
    private readonly int _wholeMachinePermits = options.Value.WholeMachineInferences ? options.Value.MaxConcurrentInferences : 0;

    public async ValueTask<InferenceSlot> EnterAsync(CancellationToken cancellationToken)
    {
        // With the oldest-first queue, an attempt for every permit fails while anyone is queued: idle means idle.
        if (_wholeMachinePermits > 0)
        {
            var everything = AttemptAcquire(_wholeMachinePermits);
            if (everything.IsAcquired)
            {
                return new InferenceSlot(everything, WholeMachine: true);
            }

            everything.Dispose();
        }

        return new InferenceSlot(await AcquireAsync(1, cancellationToken), WholeMachine: false);
    }
}
