using System.Collections.Concurrent;
using System.Numerics.Tensors;
using AllClassifier.Model.Imaging;
using Microsoft.ML.OnnxRuntime;

namespace AllClassifier.Model.Inference;

/// <summary>The scores of one image: class probabilities (when the model has a head) and backbone features.</summary>
public sealed record ImageScores(float[] Probabilities, float[] Features)
{
    public int PredictedClass
    {
        get
        {
            var best = 0;
            for (var i = 1; i < Probabilities.Length; i++)
            {
                if (Probabilities[i] > Probabilities[best])
                {
                    best = i;
                }
            }

            return best;
        }
    }
}

/// <summary>
/// The class activation maps of one image: <see cref="Values"/> is [classes, size, size] row-major, in the backbone's
/// last feature map's resolution (7×7 over the 224×224 input: each cell covers 32×32 pixels).
/// </summary>
public sealed record ClassActivationMap(int ClassCount, int Size, float[] Values)
{
    /// <summary>The <see cref="Size"/>×<see cref="Size"/> map of one class, row-major.</summary>
    public float[] ForClass(int classIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(classIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(classIndex, ClassCount);
        return Values.AsSpan(classIndex * Size * Size, Size * Size).ToArray();
    }
}

/// <summary>A prediction with the maps that explain it.</summary>
public sealed record ExplainedScores(float[] Probabilities, ClassActivationMap Map)
{
    /// <summary>The referral gate's score from the same pass; null for a model without one.</summary>
    public double? OodScore { get; init; }

    public int PredictedClass => TensorPrimitives.IndexOfMax<float>(Probabilities);
}

/// <summary>
/// One ONNX Runtime session over a composed model. <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/>
/// is thread-safe, so one instance serves concurrent callers.
/// </summary>
public sealed class OnnxClassifier : IDisposable
{
    private readonly InferenceSession _session;
    private readonly SessionOptions _sessionOptions;
    private readonly string[] _outputNames;
    private readonly string[] _probabilitiesOnly = [ClassifierModelFile.ProbabilitiesName];
    private readonly string[] _inputNames = [ClassifierModelFile.InputName];
    private readonly string[] _explainOutputNames = [ClassifierModelFile.ProbabilitiesName, ClassifierModelFile.ClassActivationMapName];
    private readonly ConcurrentBag<ClassifyRun> _classifyRuns = [];
    private readonly string[] _probabilitiesAndOodScore = [ClassifierModelFile.ProbabilitiesName, ClassifierModelFile.OodScoreName];
    private readonly string[] _explainWithOodScore =
        [ClassifierModelFile.ProbabilitiesName, ClassifierModelFile.ClassActivationMapName, ClassifierModelFile.OodScoreName];

    private OnnxClassifier(InferenceSession session, SessionOptions sessionOptions)
    {
        _session = session;
        _sessionOptions = sessionOptions;
        HasProbabilities = session.OutputMetadata.ContainsKey(ClassifierModelFile.ProbabilitiesName);
        if (!session.InputMetadata.ContainsKey(ClassifierModelFile.InputName)
            || !session.OutputMetadata.ContainsKey(ClassifierModelFile.FeaturesName))
        {
            throw new InvalidDataException(
                $"The model must take '{ClassifierModelFile.InputName}' and give '{ClassifierModelFile.FeaturesName}'.");
        }

        _outputNames = HasProbabilities
            ? [ClassifierModelFile.ProbabilitiesName, ClassifierModelFile.FeaturesName]
            : [ClassifierModelFile.FeaturesName];
        ClassCount = HasProbabilities
            ? (int)session.OutputMetadata[ClassifierModelFile.ProbabilitiesName].Dimensions[^1]
            : 0;
        Metadata = session.ModelMetadata.CustomMetadataMap;
        HasClassActivationMap = HasProbabilities && session.OutputMetadata.ContainsKey(ClassifierModelFile.ClassActivationMapName);
        HasOodScore = HasProbabilities && session.OutputMetadata.ContainsKey(ClassifierModelFile.OodScoreName);
    }

    /// <summary>Whether the model computes the referral gate's out-of-distribution score in-graph; older models do not.</summary>
    public bool HasOodScore { get; }

    public bool HasProbabilities { get; }

    /// <summary>False for models composed before the map existed; they still classify.</summary>
    public bool HasClassActivationMap { get; }

    public int ClassCount { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static OnnxClassifier Load(string modelPath, ScorerOptions? options = null) =>
        Create(options, sessionOptions => new InferenceSession(modelPath, sessionOptions));

    public static OnnxClassifier Load(byte[] model, ScorerOptions? options = null) =>
        Create(options, sessionOptions => new InferenceSession(model, sessionOptions));

    /// <summary>Scores one preprocessed image (planar RGB 0..255, length <see cref="ImagePreprocessor.TensorLength"/>).</summary>
    public ImageScores Score(float[] tensor) => ScoreBatch(tensor, 1)[0];

    /// <summary>
    /// The class probabilities of one preprocessed image, asking ONNX Runtime for that output alone: serving never
    /// copies out the backbone features it does not use.
    /// </summary>
    public float[] Classify(float[] tensor)
    {
        if (!HasProbabilities)
        {
            throw new InvalidOperationException("The model has no classifier head.");
        }

        if (tensor.Length != ImagePreprocessor.TensorLength)
        {
            throw new ArgumentException($"Expected {ImagePreprocessor.TensorLength} floats, got {tensor.Length}.", nameof(tensor));
        }

        // The run options and the output tensor are reused: ONNX Runtime writes the probabilities into memory this
        // instance owns, so a run allocates nothing but the input's small wrapper (it pins the caller's array).
        // Every native handle lives until Run returns: a collected RunOptions mid-call crashes the runtime.
        var run = _classifyRuns.TryTake(out var pooled) ? pooled : new ClassifyRun(ClassCount);
        try
        {
            using var input = OrtValue.CreateTensorValueFromMemory(tensor, [1, 3, ImagePreprocessor.Size, ImagePreprocessor.Size]);
            _session.Run(run.Options, _inputNames, [input], _probabilitiesOnly, run.Outputs);
            return [.. run.Probabilities];
        }
        finally
        {
            _classifyRuns.Add(run);
        }
    }

    /// <summary>
    /// The class probabilities and the out-of-distribution score of one preprocessed image from one backbone pass
    /// (the score is a few hundred thousand multiply-adds on the features the pass computes anyway); the score is null
    /// for a model without the output.
    /// </summary>
    public (float[] Probabilities, double? OodScore) ClassifyWithOodScore(float[] tensor)
    {
        if (!HasOodScore)
        {
            return (Classify(tensor), null);
        }

        if (tensor.Length != ImagePreprocessor.TensorLength)
        {
            throw new ArgumentException($"Expected {ImagePreprocessor.TensorLength} floats, got {tensor.Length}.", nameof(tensor));
        }

        // The same pooled run as Classify, with the score written into its one-float buffer beside the probabilities.
        var run = _classifyRuns.TryTake(out var pooled) ? pooled : new ClassifyRun(ClassCount);
        try
        {
            using var input = OrtValue.CreateTensorValueFromMemory(tensor, [1, 3, ImagePreprocessor.Size, ImagePreprocessor.Size]);
            _session.Run(run.Options, _inputNames, [input], _probabilitiesAndOodScore, run.OutputsWithOodScore);
            return ([.. run.Probabilities], run.OodScore[0]);
        }
        finally
        {
            _classifyRuns.Add(run);
        }
    }

    /// <summary>
    /// <see cref="ClassifyViews(float[], int, float[])"/> with the out-of-distribution score of the image as it is (the
    /// identity view, which every test-time set starts with): the gate was fitted on unrotated held-out images.
    /// </summary>
    public (float[] Probabilities, double? OodScore) ClassifyViewsWithOodScore(float[] tensor, int viewCount, float[] viewBuffer)
    {
        var views = DihedralView.TestTimeViews(viewCount);
        var (sum, oodScore) = ClassifyWithOodScore(tensor);
        if (views.Count == 1)
        {
            return (sum, oodScore);
        }

        foreach (var view in views.Where(view => view != DihedralView.Identity))
        {
            DihedralView.Apply(tensor, viewBuffer, view);
            TensorPrimitives.Add(sum, Classify(viewBuffer), sum);
        }

        TensorPrimitives.Divide(sum, views.Count, sum);
        return (sum, oodScore);
    }

    /// <summary>
    /// Runs one inference that ends by handing the CPU arena's wholly free chunks back to the system (ONNX Runtime's
    /// <c>memory.enable_memory_arena_shrinkage</c>): after a model swap the dropped sessions' kernel packs sit free in
    /// the shared arena, and without this the next model would only reuse them if it packs to the same sizes.
    /// </summary>
    public void ShrinkArena()
    {
        var tensor = new float[ImagePreprocessor.TensorLength];
        using var runOptions = new RunOptions();
        runOptions.AddRunConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");
        using var input = OrtValue.CreateTensorValueFromMemory(tensor, [1, 3, ImagePreprocessor.Size, ImagePreprocessor.Size]);
        using var outputs = _session.Run(runOptions, _inputNames, [input], _probabilitiesOnly);
    }

    /// <summary>
    /// The mean class probabilities over the first <paramref name="viewCount"/> test-time views of one preprocessed image
    /// (<see cref="DihedralView.TestTimeViews"/>), one backbone pass each; <paramref name="viewBuffer"/> (a tensor's
    /// length) holds each view in turn. One view is <see cref="Classify"/> itself.
    /// </summary>
    public float[] ClassifyViews(float[] tensor, int viewCount, float[] viewBuffer)
    {
        var views = DihedralView.TestTimeViews(viewCount);
        if (views.Count == 1)
        {
            return Classify(tensor);
        }

        var sum = new float[ClassCount];
        foreach (var view in views)
        {
            DihedralView.Apply(tensor, viewBuffer, view);
            TensorPrimitives.Add(sum, Classify(viewBuffer), sum);
        }

        TensorPrimitives.Divide(sum, views.Count, sum);
        return sum;
    }

    /// <summary>Scores <paramref name="count"/> images laid out one after another in <paramref name="tensors"/>.</summary>
    public IReadOnlyList<ImageScores> ScoreBatch(float[] tensors, int count)
    {
        if (count < 1 || tensors.Length != count * ImagePreprocessor.TensorLength)
        {
            throw new ArgumentException($"Expected {count} x {ImagePreprocessor.TensorLength} floats, got {tensors.Length}.", nameof(tensors));
        }

        // Every native handle lives until Run returns: a collected RunOptions mid-call crashes the runtime.
        using var runOptions = new RunOptions();
        using var input = OrtValue.CreateTensorValueFromMemory(
            tensors, [count, 3, ImagePreprocessor.Size, ImagePreprocessor.Size]);
        using var outputs = _session.Run(runOptions, _inputNames, [input], _outputNames);

        var probabilities = HasProbabilities ? outputs[0].GetTensorDataAsSpan<float>() : [];
        var features = outputs[HasProbabilities ? 1 : 0].GetTensorDataAsSpan<float>();
        var featureCount = features.Length / count;
        var results = new ImageScores[count];
        for (var i = 0; i < count; i++)
        {
            results[i] = new ImageScores(
                HasProbabilities ? probabilities.Slice(i * ClassCount, ClassCount).ToArray() : [],
                features.Slice(i * featureCount, featureCount).ToArray());
        }

        return results;
    }

    /// <summary>
    /// Scores one preprocessed image and returns its class activation maps. <see cref="Score"/> never requests the
    /// map, so plain predictions do not copy it out of the runtime. (ONNX Runtime's CPU build still runs the map's
    /// 1×1 convolution for them: about 0.1 M multiply-adds beside the backbone's 1.8 G.)
    /// </summary>
    public ExplainedScores Explain(float[] tensor)
    {
        if (!HasClassActivationMap)
        {
            throw new InvalidOperationException("This model has no class activation map output.");
        }

        if (tensor.Length != ImagePreprocessor.TensorLength)
        {
            throw new ArgumentException($"Expected {ImagePreprocessor.TensorLength} floats, got {tensor.Length}.", nameof(tensor));
        }

        using var runOptions = new RunOptions();
        using var input = OrtValue.CreateTensorValueFromMemory(tensor, [1, 3, ImagePreprocessor.Size, ImagePreprocessor.Size]);
        using var outputs = _session.Run(runOptions, _inputNames, [input], HasOodScore ? _explainWithOodScore : _explainOutputNames);
        var probabilities = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        var map = outputs[1].GetTensorDataAsSpan<float>().ToArray();
        return new ExplainedScores(probabilities, new ClassActivationMap(ClassCount, ClassifierModelFile.MapSize, map))
        {
            OodScore = HasOodScore ? outputs[2].GetTensorDataAsSpan<float>()[0] : null,
        };
    }

    public void Dispose()
    {
        _session.Dispose();
        _sessionOptions.Dispose();
        while (_classifyRuns.TryTake(out var run))
        {
            run.Dispose();
        }
    }

    private static OnnxClassifier Create(ScorerOptions? options, Func<SessionOptions, InferenceSession> open)
    {
        options ??= new ScorerOptions();
        var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = Math.Max(1, options.IntraOpThreads),
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = options.ReferenceKernels ? GraphOptimizationLevel.ORT_DISABLE_ALL : GraphOptimizationLevel.ORT_ENABLE_ALL,
            EnableCpuMemArena = options.MemoryArena,
            EnableMemoryPattern = true,
        };
        if (options.MemoryArena)
        {
            SharedCpuArena.Use(sessionOptions);
        }

        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", options.AllowSpinning ? "1" : "0");
        try
        {
            return new OnnxClassifier(open(sessionOptions), sessionOptions);
        }
        catch (OnnxRuntimeException ex)
        {
            sessionOptions.Dispose();
            throw new InvalidDataException($"The model cannot be loaded by ONNX Runtime: {ex.Message}", ex);
        }
        catch
        {
            sessionOptions.Dispose();
            throw;
        }
    }
}

/// <summary>What one <see cref="OnnxClassifier.Classify"/> call reuses: its run options and its output tensor.</summary>
internal sealed class ClassifyRun : IDisposable
{
    public ClassifyRun(int classCount)
    {
        Probabilities = new float[classCount];
        Outputs = [OrtValue.CreateTensorValueFromMemory(Probabilities, [1, classCount])];
        OutputsWithOodScore = [Outputs[0], OrtValue.CreateTensorValueFromMemory(OodScore, [1, 1])];
    }

    /// <summary>The referral gate's score, for models that compute it (<see cref="OutputsWithOodScore"/>).</summary>
    public float[] OodScore { get; } = new float[1];

    /// <summary>The probabilities and the score: the same probability buffer, plus one float for the score.</summary>
    public OrtValue[] OutputsWithOodScore { get; }

    public RunOptions Options { get; } = new();

    public float[] Probabilities { get; }

    public OrtValue[] Outputs { get; }

    public void Dispose()
    {
        Options.Dispose();
        Outputs[0].Dispose();
        OutputsWithOodScore[1].Dispose();
    }
}
