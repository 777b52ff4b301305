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
    public void Swap(ServedModel model)
    {
        var previous = Interlocked.Exchange(ref _current, model);
        // A load whose last step failed hands back the interim model already served: nothing to let go.
        if (previous is not null && !ReferenceEquals(previous, model))
        {
            // Set before this reference goes: the last request holding the old model may release it at any moment.
            previous.AfterDisposal = ShrinkArena;
            previous.Release();
        }

        ReturnGarbage();
    }

    public void Dispose() => Interlocked.Exchange(ref _current, null)?.Release();

    /// <summary>
    /// A load and a swap leave the new model's file image and graphs (tens of megabytes on the large object heap, read
    /// to be verified and loaded) and usually the old model's freed sessions behind. Left alone, the image stays until
    /// some later full collection and the pages stay on the native heap, so resident memory would climb by a model or
    /// more per swap and fall only by chance. A full, compacting collection is cheap beside loading a model.
    /// </summary>
    internal static void ReturnGarbage()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        NativeHeap.ReturnFreePages();
    }

    /// <summary>
    /// Once a dropped model's sessions are gone (when its last request ends), their kernel packs lie free in ONNX
    /// Runtime's shared arena; one inference of the current model with arena shrinkage hands them back to the system,
    /// else the arena would hold a model's packs more than before the first swap.
    /// </summary>
    private void ShrinkArena()
    {
        if (TryAcquire(out var lease))
        {
            using (lease)
            {
                lease.Model.Classifier.ShrinkArena();
            }
        }

        NativeHeap.ReturnFreePages();
    }
}
