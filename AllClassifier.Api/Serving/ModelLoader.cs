using AllClassifier.Model;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Registry;
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

/// <summary>Loads a registered version and proves it works before it may serve.</summary>
public sealed class ModelLoader(IOptions<ModelServingOptions> options)
{
    private const double ProbabilitySumTolerance = 1e-3;

    // A smear-sized JPEG with structure at every scale, so warm-up decodes exercise the same code as real uploads.
    private static readonly Lazy<byte[]> WarmupImage = new(EncodeWarmupImage);

    /// <summary>
    /// Loads the version from bytes that match its card's SHA-256, builds the graphs this CPU should run, runs a probe
    /// inference and then the warm-up on every session; throws <see cref="InvalidDataException"/> when unusable.
    /// </summary>
    public ServedModel Load(RegisteredVersion version)
    {
        if (!DihedralView.TestTimeViewCounts.Contains(version.Card.TestTimeAugmentation))
        {
            throw new InvalidDataException(
                $"The card's test_time_augmentation is {version.Card.TestTimeAugmentation}; it must be one of {string.Join(", ", DihedralView.TestTimeViewCounts)}.");
        }

        // The sessions are built from the bytes that were hashed, so a file replaced meanwhile cannot slip in.
        var model = version.ReadVerifiedModel();
        var serving = options.Value;
        var (form, reason) = ChooseForm(ServingGraph.Forms(model), serving.FirstConvolutionForm);
        var outputs = ServingGraph.Outputs(model);
        var hasMap = outputs.Contains(ClassifierModelFile.ClassActivationMapName);
        // ONNX Runtime runs every node of its graph whatever a run fetches: /predict gets a graph without the map.
        var predictGraph = ServingGraph.Prepare(model, form, [.. outputs.Where(o => o != ClassifierModelFile.ClassActivationMapName)]);
        var explainGraph = hasMap ? ServingGraph.Prepare(model, form, null) : null;
        var scorer = new ScorerOptions { IntraOpThreads = serving.IntraOpThreads, MemoryArena = serving.OnnxMemoryArena };
        var loaded = new List<OnnxClassifier>();
        try
        {
            var predict = Add(loaded, OnnxClassifier.Load(predictGraph, scorer));
            var wholeMachine = serving.WholeMachineInferences
                ? Add(loaded, OnnxClassifier.Load(predictGraph, scorer with { IntraOpThreads = serving.MaxConcurrentInferences }))
                : null;
            var explainer = explainGraph is null ? null : Add(loaded, OnnxClassifier.Load(explainGraph, scorer));
            loaded.ForEach(Probe);
            // Counted as run, not as configured: /model reports what happened before the model could serve.
            var warmedUp = loaded.Min(classifier => WarmUp(classifier, serving.WarmupInferences));
            var variant = new ServingVariant(form ?? "none", ServingGraph.Forms(model), reason, CpuFeatures.Current.Names, warmedUp, hasMap);
            return new ServedModel(predict, version, variant, wholeMachine, explainer);
        }
        catch
        {
            loaded.ForEach(classifier => classifier.Dispose());
            throw;
        }
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

    private static OnnxClassifier Add(List<OnnxClassifier> loaded, OnnxClassifier classifier)
    {
        loaded.Add(classifier);
        return classifier;
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
