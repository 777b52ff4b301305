using AllClassifier.Model.Inference;
using AllClassifier.Training.Onnx;
using AllClassifier.Training.Quantization;

namespace AllClassifier.Trainer.Features;

/// <summary>
/// The ResNet18 backbone alone (features, no head) in ONNX Runtime sessions using every core: the fp32 backbone, and
/// the INT8 backbone of the latest calibration asked for. Each is loaded on first use, so runs whose features are
/// all cached never pay for it.
/// </summary>
public sealed class BackboneFeaturizer : IDisposable
{
    private readonly Lazy<OnnxClassifier> _fp32 = new(() => Load(null));
    private readonly Lock _int8Lock = new();
    private (string Fingerprint, OnnxClassifier Session)? _int8;

    public float[] Features(float[] tensor, ActivationRanges? int8Backbone = null) =>
        (int8Backbone is null ? _fp32.Value : Int8Session(int8Backbone)).Score(tensor).Features;

    private OnnxClassifier Int8Session(ActivationRanges ranges)
    {
        var fingerprint = ranges.Fingerprint();
        lock (_int8Lock)
        {
            if (_int8 is { } current && current.Fingerprint == fingerprint)
            {
                return current.Session;
            }

            _int8?.Session.Dispose();
            _int8 = (fingerprint, Load(ranges));
            return _int8.Value.Session;
        }
    }

    private static OnnxClassifier Load(ActivationRanges? int8Backbone) => OnnxClassifier.Load(
        ClassifierModelComposer.ComposeFeatureExtractor(BackboneFiles.InDirectory(), int8Backbone),
        new ScorerOptions { IntraOpThreads = Environment.ProcessorCount });

    public void Dispose()
    {
        if (_fp32.IsValueCreated)
        {
            _fp32.Value.Dispose();
        }

        _int8?.Session.Dispose();
    }
}
