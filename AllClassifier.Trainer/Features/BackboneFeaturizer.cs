using AllClassifier.Model.Inference;
using AllClassifier.Training.Onnx;
using AllClassifier.Training.Quantization;

namespace AllClassifier.Trainer.Features;

/// <summary>
/// The ResNet18 backbone alone (features, no head) in single-threaded ONNX Runtime sessions that callers share across
/// threads (one image per core: <see cref="FeatureExtractor"/>): fp32 or INT8 (of one calibration), in one feature layout. Sessions are loaded on first use, so runs whose features are all cached never
/// pay for them; an INT8 session of an older calibration is dropped when another calibration is asked for.
/// </summary>
public sealed class BackboneFeaturizer : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(FeatureLayout Layout, string? Fingerprint), OnnxClassifier> _sessions = [];

    public float[] Features(float[] tensor, ActivationRanges? int8Backbone = null, FeatureLayout layout = FeatureLayout.GlobalPool) =>
        Session(int8Backbone, layout).Score(tensor).Features;

    private OnnxClassifier Session(ActivationRanges? int8Backbone, FeatureLayout layout)
    {
        var key = (layout, int8Backbone?.Fingerprint());
        lock (_lock)
        {
            if (_sessions.TryGetValue(key, out var session))
            {
                return session;
            }

            foreach (var stale in _sessions.Keys.Where(k => k.Fingerprint is not null && key.Item2 is not null && k.Fingerprint != key.Item2).ToList())
            {
                _sessions[stale].Dispose();
                _sessions.Remove(stale);
            }

            session = OnnxClassifier.Load(
                ClassifierModelComposer.ComposeFeatureExtractor(BackboneFiles.InDirectory(), int8Backbone, layout),
                new ScorerOptions { IntraOpThreads = 1 });
            _sessions[key] = session;
            return session;
        }
    }

    public void Dispose()
    {
        foreach (var session in _sessions.Values)
        {
            session.Dispose();
        }

        _sessions.Clear();
    }
}
