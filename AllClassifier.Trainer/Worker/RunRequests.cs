using System.Threading.Channels;

namespace AllClassifier.Trainer.Worker;

/// <summary>
/// Requests to run the pipeline now instead of waiting for feedback or a backoff pause to end (the admin endpoint,
/// the dashboard's "Run pipeline now"). At most one is pending: asking twice before the run starts runs it once.
/// </summary>
public sealed class RunRequests
{
    private readonly Channel<string> _pending = Channel.CreateBounded<string>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Asks for a run on behalf of <paramref name="requestedBy"/>.</summary>
    public void Request(string requestedBy) => _pending.Writer.TryWrite(requestedBy);

    /// <summary>Takes the pending request, if any: the run about to start answers it.</summary>
    public bool TryTake(out string? requestedBy) => _pending.Reader.TryRead(out requestedBy);

    /// <summary>
    /// Runs <paramref name="wait"/> until it ends or a run is requested, whichever comes first; true when a request
    /// cut the wait short (the wait is cancelled and awaited). The wait's own exceptions propagate otherwise.
    /// </summary>
    public async Task<bool> WaitUnlessRequestedAsync(Func<CancellationToken, Task> wait, CancellationToken stoppingToken)
    {
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var waiting = wait(interrupt.Token);
        var requested = _pending.Reader.WaitToReadAsync(interrupt.Token).AsTask();
        var first = await Task.WhenAny(waiting, requested);
        await interrupt.CancelAsync();
        if (first == requested && requested.IsCompletedSuccessfully && requested.Result)
        {
            try
            {
                await waiting;
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }

            return true;
        }

        try
        {
            await requested;
        }
        catch (OperationCanceledException)
        {
        }

        await waiting;
        return false;
    }
}
