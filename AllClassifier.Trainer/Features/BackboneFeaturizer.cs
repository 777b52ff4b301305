using AllClassifier.Model.Inference;
using AllClassifier.Training.Onnx;

namespace AllClassifier.Trainer.Features;

/// <summary>
/// The ResNet18 backbone alone (features, no head) in one ONNX Runtime session using every core, loaded on first
/// use so runs whose features are all cached never pay for it.
/// </summary>
public sealed class BackboneFeaturizer : IDisposable
{
    private readonly Lazy<OnnxClassifier> _session = new(() => OnnxClassifier.Load(
        ClassifierModelComposer.ComposeFeatureExtractor(BackboneFiles.InDirectory()),
        new ScorerOptions { IntraOpThreads = Environment.ProcessorCount }));

    public float[] Features(float[] tensor) => _session.Value.Score(tensor).Features;

    public void Dispose()
    {
        if (_session.IsValueCreated)
        {
            _session.Value.Dispose();
        }
    }
}
