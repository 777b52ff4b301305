namespace AllClassifier.Api.Serving;

/// <summary>
/// The model currently served, swapped atomically when a new champion has been validated, and why the
/// registry's champion is not being served when something is wrong with it.
/// </summary>
public sealed class ModelHolder : IDisposable
{
    private ServedModel? _current;
    private volatile string? _championProblem;

    public ServedModel? Current => Volatile.Read(ref _current);

    /// <summary>Why the registry's champion cannot be served (a bad alias, card or model file), or null when it can.</summary>
    public string? ChampionProblem => _championProblem;

    public void ReportChampionProblem(string? problem) => _championProblem = problem;

    /// <summary>Takes a reference on the current model, or returns false while none is loaded.</summary>
    public bool TryAcquire(out ServedModelLease lease)
    {
        while (Volatile.Read(ref _current) is { } model)
        {
            // A model swapped out between the read and the increment has no references left; read again.
            if (model.TryAddReference())
            {
                lease = new ServedModelLease(model);
                return true;
            }
        }

        lease = default;
        return false;
    }

    /// <summary>Serves <paramref name="model"/> from now on; the previous one is disposed when its last request ends.</summary>
    public void Swap(ServedModel model) => Interlocked.Exchange(ref _current, model)?.Release();

    public void Dispose() => Interlocked.Exchange(ref _current, null)?.Release();
}
