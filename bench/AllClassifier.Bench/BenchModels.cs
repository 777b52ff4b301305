using AllClassifier.Training.Quantization;
using AllClassifier.Training.Heads;
using AllClassifier.Training.Onnx;
using AllClassifier.Model.Registry;

namespace AllClassifier.Bench;

/// <summary>Composed models (ResNet18 and a seeded random head) registered as champion, as the trainer would.</summary>
public static class BenchModels
{
    /// <param name="int8Backbone">Calibrated activation ranges: compose the INT8 backbone instead of fp32.</param>
    public static RegisteredVersion RegisterChampion(string registryDirectory, int seed, ActivationRanges? int8Backbone = null)
    {
        var random = new Random(seed);
        float[] Values(int n, double scale) => [.. Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * scale))];
        var head = new ClassifierHead(
            HeadKind.Softmax,
            [.. Values(512, 1.0).Select(Math.Abs)],
            [.. Enumerable.Range(0, 512).Select(_ => (float)(0.5 + random.NextDouble()))],
            [new DenseLayer(512, 4, Values(2048, 0.2), Values(4, 0.5))]);
        var model = ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), head, int8Backbone: int8Backbone);
        var registry = new LocalModelRegistry(registryDirectory);
        var version = registry.Register(model, _ => new ModelCard
        {
            RunId = $"bench-{seed}",
            Created = DateTimeOffset.UtcNow,
            Metrics = new EvaluationMetrics(),
            TrainingDataHash = "bench",
            Precision = int8Backbone is null ? BackbonePrecision.Fp32 : BackbonePrecision.Int8,
        });
        registry.SetAlias(version.Version);
        return version;
    }
}
