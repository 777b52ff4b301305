using AllClassifier.Model.Inference;
using AllClassifier.Model.Referral;
using AllClassifier.Model.Registry;

namespace AllClassifier.Api.Serving;

/// <summary>
/// A loaded model version with a reference count: the holder owns one reference and each request in flight
/// one more, so a replaced session is disposed only after its last request finishes.
/// </summary>
/// <remarks>
/// <c>classifier</c> runs one inference on one core; <c>wholeMachineClassifier</c>, when
/// there is one, is the same model with an ONNX thread per core for a request that finds the machine idle. ONNX
/// Runtime has no per-run thread count, hence two sessions; the INT8 model's 17 MB of weights make the second cheap.
/// Both run the graph without the class activation map; <c>explainer</c> (one core) runs it with the map,
/// for explanations only. An interim model of a swap (<see cref="ModelLoader.Load"/>) serves everything from its
/// explainer; the model that follows it takes that session over with a reference on it
/// (<c>sharesExplainerOf</c>), so the session goes when the last of the two does.
/// </remarks>
public sealed class ServedModel
{
    private readonly OnnxClassifier? _wholeMachineClassifier;
    private readonly RegisteredVersion _registered;
    private readonly ServedModel? _sharesExplainerOf;
    private int _references = 1;

    public ServedModel(
        OnnxClassifier classifier,
        RegisteredVersion registered,
        ServingVariant variant,
        OnnxClassifier? wholeMachineClassifier = null,
        OnnxClassifier? explainer = null,
        ServedModel? sharesExplainerOf = null)
    {
        if (sharesExplainerOf is not null
            && (!ReferenceEquals(explainer, sharesExplainerOf.Explainer) || !sharesExplainerOf.TryAddReference()))
        {
            throw new InvalidOperationException("A model can take over only the explainer of a model still alive.");
        }

        Classifier = classifier;
        _registered = registered;
        Variant = variant;
        _wholeMachineClassifier = wholeMachineClassifier;
        Explainer = explainer;
        _sharesExplainerOf = sharesExplainerOf;
        ReferralGate = registered.Card.ReferralGate switch
        {
            { Present: true } gate when classifier.HasOodScore => gate,
            { Present: true } => ReferralGate.Absent("the model card has a referral gate but the model file computes no out-of-distribution score"),
            { Present: false } gate => gate,
            null when classifier.HasOodScore => ReferralGate.Absent("the model file computes an out-of-distribution score but its card has no threshold"),
            null => ReferralGate.Absent($"model version {registered.Version} was trained before referral gates existed"),
        };
    }

    public OnnxClassifier Classifier { get; }

    public int Version => _registered.Version;

    /// <summary>The session that computes class activation maps; null for models composed before maps existed.</summary>
    public OnnxClassifier? Explainer { get; }

    /// <summary>The first convolution's form, the CPU features behind it and the warm-up, as /model reports them.</summary>
    public ServingVariant Variant { get; }

    public ModelCard Card => _registered.Card;

    public string ConfusionMatrixPath => _registered.ConfusionMatrixPath;

    /// <summary>
    /// The gate this model is served with: the card's, when the model file also computes the score it thresholds;
    /// otherwise an absent gate saying why (older models, or a card and file that do not match).
    /// </summary>
    public ReferralGate ReferralGate { get; }

    /// <summary>The card as served: the model card with the gate it is served with.</summary>
    public ModelCard ServedCard => field ??= _registered.Card with { ReferralGate = ReferralGate };

    /// <summary>Runs once its sessions are gone (set by the holder when it swaps this model out).</summary>
    internal Action? AfterDisposal { get; set; }

    /// <summary>Whether its sessions are gone: it was replaced and its last request has finished.</summary>
    public bool IsDisposed { get; private set; }

    /// <summary>The session for an inference granted the whole machine, or the one-core session.</summary>
    public OnnxClassifier ClassifierFor(bool wholeMachine) =>
        wholeMachine && _wholeMachineClassifier is not null ? _wholeMachineClassifier : Classifier;

    internal bool TryAddReference()
    {
        var current = Volatile.Read(ref _references);
        while (current > 0)
        {
            var seen = Interlocked.CompareExchange(ref _references, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    internal void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            // An interim model's classifier is its explainer; a shared explainer is its first owner's to dispose.
            Classifier.Dispose();
            _wholeMachineClassifier?.Dispose();
            if (Explainer is not null && !ReferenceEquals(Explainer, Classifier) && _sharesExplainerOf is null)
            {
                Explainer.Dispose();
            }

            IsDisposed = true;
            NativeHeap.ReturnFreePages();
            AfterDisposal?.Invoke();
            _sharesExplainerOf?.Release();
        }
    }
}

/// <summary>A request's hold on a <see cref="ServedModel"/>; disposing it lets a replaced model go.</summary>
public readonly struct ServedModelLease(ServedModel model) : IDisposable
{
    public ServedModel Model { get; } = model;

    public void Dispose() => Model.Release();
}
