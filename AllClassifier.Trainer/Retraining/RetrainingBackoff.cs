namespace AllClassifier.Trainer.Retraining;

/// <summary>
/// The pause after a failed or not-promoted run: <c>initial</c>, doubling with each such run in a row up to
/// <c>maximum</c>, and back to <c>initial</c> after a promotion. It keeps a broken dataset or a model that
/// cannot beat the champion from turning the worker into a busy loop.
/// </summary>
public sealed class RetrainingBackoff(TimeSpan initial, TimeSpan maximum)
{
    private readonly TimeSpan _initial = initial;
    private TimeSpan _next = initial;

    /// <summary>The pause to take now; the following one is twice as long (capped).</summary>
    public TimeSpan Next()
    {
        var current = _next;
        _next = _next >= maximum / 2 ? maximum : _next * 2;
        return current;
    }

    public void Reset() => _next = _initial;
}
