using AllClassifier.Api.Signing;
using AllClassifier.Model;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Registry;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AllClassifier.Api.Serving;

/// <summary>How a loaded version is served on this machine, for /model and the log.</summary>
/// <param name="FirstConvolutionForm">The first convolution's kernel form in use, or "none" for an fp32 model.</param>
/// <param name="FirstConvolutionForms">The forms the model file carries.</param>
/// <param name="Reason">Why that form, in words.</param>
/// <param name="CpuFeatures">The CPU's relevant features (avx2, avx512f, avx_vnni, avx512_vnni, avx10.1, amx_int8).</param>
/// <param name="WarmupInferences">Inferences every session had run before the model served.</param>
/// <param name="ClassActivationMapPruned">Whether /predict runs a graph without the class activation map's nodes.</param>
public sealed record ServingVariant(
    string FirstConvolutionForm,
    IReadOnlyList<string> FirstConvolutionForms,
    string Reason,
    IReadOnlyList<string> CpuFeatures,
    int WarmupInferences,
    bool ClassActivationMapPruned);

/// <summary>Loads a registered version and proves it is the trainer's and works before it may serve.</summary>
public sealed class ModelLoader(IOptions<ModelServingOptions> options, ModelSignatureVerifier signatures)
{
    private const double ProbabilitySumTolerance = 1e-3;

    // A smear-sized JPEG with structure at every scale, so warm-up decodes exercise the same code as real uploads.
    private static readonly Lazy<byte[]> WarmupImage = new(EncodeWarmupImage);

    /// <summary>
    /// Verifies the version's signature and files, builds the graphs this CPU should run from the verified bytes, runs
    /// a probe inference and then the warm-up on every session; throws <see cref="InvalidDataException"/> when unusable.
    /// The card served is the one the signature covers.
    /// </summary>
    /// <param name="registered">The registered version, not yet verified.</param>
    /// <param name="serveInterim">
    /// Null: every session is built before the model is returned. Otherwise, for a model with a class activation map,
    /// the explaining session is built first and handed over as a model of its own that answers every request (it
    /// computes the probabilities too); the caller serves it, the replaced model goes once its requests end, and only
    /// then are the prediction sessions built. A swap then holds the old model's sessions beside one new session
    /// instead of beside all of the new model's. Should they fail after that, the interim model is returned: it is the
    /// same version and answers every request, on one core.
    /// </param>
    public ServedModel Load(RegisteredVersion registered, Action<ServedModel>? serveInterim = null)
    {
        var serving = options.Value;
        var scorer = new ScorerOptions { IntraOpThreads = serving.IntraOpThreads, MemoryArena = serving.OnnxMemoryArena };
        var (graphs, version) = PrepareGraphs(registered, serving.FirstConvolutionForm);
        // The file image and its parse went with PrepareGraphs' frame: returned before the sessions are built (each
        // needs about twice its weights while ONNX Runtime parses and packs them), they do not add to a swap's peak.
        ModelHolder.ReturnGarbage();
        // The explaining session first, from the full graph; the pruned graph is made from that one afterwards, so
        // only one graph is held while the old model may still be alive.
        var explaining = graphs.HasMap ? Ready([Build(graphs, pruned: false, scorer)], serving.WarmupInferences) : default;
        ServedModel? interim = null;
        if (serveInterim is not null && explaining.Sessions is [var explainer])
        {
            interim = new ServedModel(explainer, version, graphs.Variant(explaining.WarmedUp), explainer: explainer);
            serveInterim(interim);
        }

        var sessions = new List<OnnxClassifier>();
        try
        {
            // Pruning parses the full graph once more; that garbage goes before the sessions are built.
            graphs.Prune();
            ModelHolder.ReturnGarbage();
            sessions.Add(Build(graphs, pruned: true, scorer));
            if (serving.WholeMachineInferences)
            {
                sessions.Add(Build(graphs, pruned: true, scorer with { IntraOpThreads = serving.MaxConcurrentInferences }));
            }

            graphs.Drop();
            var ready = Ready(sessions, serving.WarmupInferences);
            var warmedUp = explaining.Sessions is null ? ready.WarmedUp : Math.Min(ready.WarmedUp, explaining.WarmedUp);
            return new ServedModel(
                sessions[0],
                version,
                graphs.Variant(warmedUp),
                serving.WholeMachineInferences ? sessions[1] : null,
                explaining.Sessions?[0],
                sharesExplainerOf: interim);
        }
        catch when (interim is not null)
        {
            sessions.ForEach(classifier => classifier.Dispose());
            return interim;
        }
        catch
        {
            sessions.ForEach(classifier => classifier.Dispose());
            explaining.Sessions?.ForEach(classifier => classifier.Dispose());
            throw;
        }
    }

    /// <summary>
    /// Probes, then warms up, sessions just built; disposes them and throws when one fails. The graphs they were built
    /// from are returned to the system first.
    /// </summary>
    private static (List<OnnxClassifier> Sessions, int WarmedUp) Ready(List<OnnxClassifier> sessions, int warmupInferences)
    {
        try
        {
            ModelHolder.ReturnGarbage();
            sessions.ForEach(Probe);
            // Counted as run, not as configured: /model reports what happened before the model could serve.
            return (sessions, sessions.Min(classifier => WarmUp(classifier, warmupInferences)));
        }
        catch
        {
            sessions.ForEach(classifier => classifier.Dispose());
            throw;
        }
    }

    /// <summary>
    /// One session over the full or the pruned graph. In a frame of its own, so no temporary of the caller's keeps a
    /// graph's bytes reachable once <paramref name="graphs"/> drops them (the JIT may report a method's temporaries
    /// live until it returns).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static OnnxClassifier Build(PendingGraphs graphs, bool pruned, ScorerOptions scorer) =>
        OnnxClassifier.Load(pruned ? graphs.Pruned : graphs.Full, scorer);

    /// <summary>
    /// The version as its signature vouches for it, and the graphs this CPU should run, from the bytes that were
    /// verified (so a file replaced meanwhile cannot slip in). ONNX Runtime runs every node of its graph whatever a run
    /// fetches: /predict gets a graph without the map. In a frame of its own, so the file image and its parse are
    /// unreachable once it returns.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private (PendingGraphs Graphs, RegisteredVersion Version) PrepareGraphs(RegisteredVersion registered, string configuredForm)
    {
        // Its own step, before anything of the version is parsed: an unsigned or altered version goes no further.
        var (version, model) = signatures.Verify(registered);
        if (!DihedralView.TestTimeViewCounts.Contains(version.Card.TestTimeAugmentation))
        {
            throw new InvalidDataException(
                $"The card's test_time_augmentation is {version.Card.TestTimeAugmentation}; it must be one of {string.Join(", ", DihedralView.TestTimeViewCounts)}.");
        }

        var reason = "";
        var graphs = ServingGraph.PrepareForServing(
            model,
            forms =>
            {
                (var form, reason) = ChooseForm(forms, configuredForm);
                return form;
            });
        return (new PendingGraphs(graphs, reason), version);
    }

    /// <summary>
    /// A model's graphs while its sessions are built: the full one, and the one without the class activation map made
    /// from it when first asked for, after which the full one is dropped.
    /// </summary>
    private sealed class PendingGraphs(ServingGraphs graphs, string reason)
    {
        // Fields, not the record: a captured record would keep the graph reachable for as long as this object.
        private readonly string? _form = graphs.Form;
        private readonly IReadOnlyList<string> _forms = graphs.Forms;
        private readonly List<string> _prunedOutputs = [.. graphs.Outputs.Where(o => o != ClassifierModelFile.ClassActivationMapName)];
        private byte[]? _full = graphs.Graph;
        private byte[]? _pruned;

        public bool HasMap { get; } = graphs.Outputs.Contains(ClassifierModelFile.ClassActivationMapName);

        public byte[] Full => _full ?? throw new InvalidOperationException("The full graph was dropped.");

        public byte[] Pruned => _pruned ?? throw new InvalidOperationException("The pruned graph is not made yet.");

        /// <summary>Makes the pruned graph and drops the full one (no more sessions are built from it).</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Prune()
        {
            _pruned = HasMap ? ServingGraph.Prepare(Full, null, _prunedOutputs) : Full;
            _full = null;
        }

        public void Drop() => (_pruned, _full) = (null, null);

        public ServingVariant Variant(int warmedUp) =>
            new(_form ?? "none", _forms, reason, CpuFeatures.Current.Names, warmedUp, HasMap);
    }

    /// <summary>The one check that a model can serve: four class probabilities, and a probe inference that gives a distribution.</summary>
    public static void Probe(OnnxClassifier classifier)
    {
        if (!classifier.HasProbabilities || classifier.ClassCount != CellClasses.Count)
        {
            throw new InvalidDataException($"The model must output {CellClasses.Count} class probabilities.");
        }

        // A mid-grey image: any working model gives a proper distribution for it.
        var tensor = new float[ImagePreprocessor.TensorLength];
        Array.Fill(tensor, 128f);
        var probabilities = classifier.Classify(tensor);
        if (probabilities.Length != CellClasses.Count
            || probabilities.Any(p => !float.IsFinite(p) || p < 0 || p > 1)
            || Math.Abs(probabilities.Sum() - 1.0) > ProbabilitySumTolerance)
        {
            throw new InvalidDataException(
                $"The probe inference gave [{string.Join(", ", probabilities)}], not {CellClasses.Count} finite probabilities summing to 1.");
        }
    }

    /// <summary>
    /// The configured form where the model has it, else the one for this CPU (<see cref="FirstConvolutionForm.For"/>);
    /// null keeps the graph as it is (an fp32 model, or one with a single form).
    /// </summary>
    private static (string? Form, string Reason) ChooseForm(IReadOnlyList<string> available, string configured)
    {
        if (available.Count == 0)
        {
            return (null, "the model has no INT8 first convolution");
        }

        if (configured != ModelServingOptions.AutoForm && available.Contains(configured))
        {
            return (configured, $"ModelServing:FirstConvolutionForm asks for {configured} (CPU: {CpuFeatures.Current})");
        }

        var (form, reason) = FirstConvolutionForm.For(CpuFeatures.Current, available);
        return configured == ModelServingOptions.AutoForm
            ? (form, reason)
            : (form, $"ModelServing:FirstConvolutionForm asks for {configured}, which the model does not carry; {reason}");
    }

    /// <summary>Decode, tensor and inference, as a request runs them; the explaining session also fetches its map.</summary>
    private static int WarmUp(OnnxClassifier classifier, int inferences)
    {
        var preprocessor = new ImagePreprocessor();
        var tensor = new float[ImagePreprocessor.TensorLength];
        var done = 0;
        for (; done < inferences; done++)
        {
            using (var resized = preprocessor.LoadResized(WarmupImage.Value))
            {
                ImagePreprocessor.WriteTensor(resized, tensor);
            }

            if (classifier.HasClassActivationMap)
            {
                classifier.Explain(tensor);
            }
            else
            {
                classifier.Classify(tensor);
            }
        }

        return done;
    }

    private static byte[] EncodeWarmupImage()
    {
        const int Side = 320;
        using var image = new Image<Rgb24>(Side, Side);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < Side; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < Side; x++)
                {
                    row[x] = new Rgb24((byte)(x * 7 ^ y * 3), (byte)((x + y) * 2), (byte)(x * y));
                }
            }
        });
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream);
        return stream.ToArray();
    }
}
