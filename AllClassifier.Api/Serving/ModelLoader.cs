using AllClassifier.Model;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Registry;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Serving;

/// <summary>Loads a registered version and proves it works before it may serve.</summary>
public sealed class ModelLoader(IOptions<ModelServingOptions> options)
{
    private const double ProbabilitySumTolerance = 1e-3;

    /// <summary>
    /// Loads the version from bytes that match its card's SHA-256 and runs a probe inference; throws
    /// <see cref="InvalidDataException"/> when unusable.
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
        var loaded = new List<OnnxClassifier>();
        try
        {
            loaded.Add(OnnxClassifier.Load(model, new ScorerOptions { IntraOpThreads = serving.IntraOpThreads, MemoryArena = serving.OnnxMemoryArena }));
            if (serving.WholeMachineInferences)
            {
                loaded.Add(OnnxClassifier.Load(model, new ScorerOptions { IntraOpThreads = serving.MaxConcurrentInferences, MemoryArena = serving.OnnxMemoryArena }));
            }

            loaded.ForEach(Probe);
            return new ServedModel(loaded[0], version, loaded.ElementAtOrDefault(1));
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
}
