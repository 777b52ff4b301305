using AllClassifier.Api.Signing;
using AllClassifier.Model;
using AllClassifier.Training.Heads;
using AllClassifier.Training.Onnx;
using AllClassifier.Model.Referral;
using AllClassifier.Model.Registry;
using AllClassifier.Training.Referral;
using AllClassifier.Tests.Signing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Tests.Infrastructure;

/// <summary>Real composed ONNX models (ResNet18 + a seeded random head) and registry entries for them.</summary>
public static class TestModels
{
    private static readonly Lazy<byte[]> SeededModel = new(() => Compose(RandomHead(seed: 7)));

    /// <summary>One composed model, built once per test run: composing reads the 64 MB backbone.</summary>
    public static byte[] Model => SeededModel.Value;

    /// <summary>A model with the test referral gate (<see cref="Gate"/>), as the trainer composes them.</summary>
    public static byte[] Compose(ClassifierHead head) =>
        ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), head, referralGate: MahalanobisGate.Euclidean(head.FeatureCount, head.ClassCount));

    /// <summary>A model composed as before referral gates existed: no out-of-distribution output.</summary>
    public static byte[] ComposeWithoutGate(ClassifierHead head) => ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), head);

    /// <summary>
    /// The card's gate for <see cref="Compose"/>'s models: their score is the squared length of the features, so a
    /// threshold this high refers no image and quality limits this wide fail none; tests narrow them.
    /// </summary>
    public static ReferralGate Gate { get; } = new()
    {
        OodThreshold = 1e12,
        Quality = new QualityLimits(),
        FeatureCount = 512,
        HeldOut = 8,
    };

    public static ClassifierHead RandomHead(int seed)
    {
        var random = new Random(seed);
        float[] Values(int n, double scale) => [.. Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * scale))];
        var mean = Values(512, 1.0).Select(Math.Abs).ToArray();
        var scale = Enumerable.Range(0, 512).Select(_ => (float)(0.5 + random.NextDouble())).ToArray();
        return new ClassifierHead(HeadKind.Softmax, mean, scale, [new DenseLayer(512, 4, Values(2048, 0.2), Values(4, 0.5))]);
    }

    public static byte[] ConfusionMatrixPng { get; } = TestImages.Png(seed: 99);

    /// <summary>
    /// Registers <paramref name="model"/> with the test card, changed by <paramref name="card"/> when given, signed with
    /// <see cref="TestSigningKey"/> as the trainer signs.
    /// </summary>
    public static RegisteredVersion Register(string registryRoot, byte[] model, bool makeChampion = true, Func<ModelCard, ModelCard>? card = null)
    {
        var registry = new LocalModelRegistry(registryRoot);
        var registered = registry.Register(
            model, version => (card ?? (same => same))(Card(version)), ConfusionMatrixPng, seal: TestSigningKey.Sign);
        if (makeChampion)
        {
            registry.SetAlias(registered.Version);
        }

        return registered;
    }

    /// <summary>A verifier that trusts <see cref="TestSigningKey"/>, as <see cref="ApiFactory"/>'s API does.</summary>
    public static ModelSignatureVerifier Verifier(params string[] publicKeys) => new(
        Options.Create(new ModelSigningOptions { PublicKeys = publicKeys.Length > 0 ? [.. publicKeys] : [TestSigningKey.PublicKey] }),
        NullLogger<ModelSignatureVerifier>.Instance);

    public static ModelCard Card(int version)
    {
        int[] actual = [0, 0, 1, 1, 2, 2, 3, 3];
        int[] predicted = [0, 1, 1, 1, 2, 3, 3, 3];
        return new ModelCard
        {
            RunId = $"test-run-{version}",
            Created = new DateTimeOffset(2026, 1, version, 12, 0, 0, TimeSpan.Zero),
            Metrics = EvaluationMetrics.FromPredictions(actual, predicted, meanLatencyMs: 50),
            TrainingDataHash = new string('a', 64),
            Parameters = new Dictionary<string, string> { ["seed"] = "7", ["classes"] = string.Join(",", CellClasses.Names) },
            ReferralGate = Gate,
            TrainingClassMix = new Dictionary<string, double> { ["Benign"] = 0.25, ["Early"] = 0.25, ["Pre"] = 0.25, ["Pro"] = 0.25 },
        };
    }
}
