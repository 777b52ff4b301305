using AllClassifier.Training.Heads;
using AllClassifier.Training.Onnx;
using AllClassifier.Model.Registry;

namespace AllClassifier.Bench;

/// <summary>Composed models (ResNet18 and a seeded random head) registered as champion, as the trainer would.</summary>
public static class BenchModels
{
    public static RegisteredVersion RegisterChampion(string registryDirectory, int seed)
    {
        var random = new Random(seed);
        float[] Values(int n, double scale) => [.. Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * scale))];
        var head = new ClassifierHead(
            HeadKind.Softmax,
            [.. Values(512, 1.0).Select(Math.Abs)],
            [.. Enumerable.Range(0, 512).Select(_ => (float)(0.5 + random.NextDouble()))],
            [new DenseLayer(512, 4, Values(2048, 0.2), Values(4, 0.5))]);
        var model = ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), head);
        var registry = new LocalModelRegistry(registryDirectory);
        var version = registry.Register(model, _ => new ModelCard
        {
            RunId = $"bench-{seed}",
            Created = DateTimeOffset.UtcNow,
            Metrics = new EvaluationMetrics(),
            TrainingDataHash = "bench",
        });
        registry.SetAlias(version.Version);
        return version;
    }
}
