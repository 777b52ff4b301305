using AllClassifier.Training.Quantization;
using AllClassifier.Training.Heads;
using AllClassifier.Training.Onnx;
using AllClassifier.Model;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Referral;
using AllClassifier.Model.Registry;
using AllClassifier.Training.Referral;
using AllClassifier.Training.Synthetic;
using System.Security.Cryptography;
using AllClassifier.Api.Signing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace AllClassifier.Bench;

/// <summary>Composed models (ResNet18 and a seeded random head) registered as champion, as the trainer would.</summary>
public static class BenchModels
{
    private const int CalibrationSmears = 16;

    public static ValidationResult ValidatePrecision(string precision) =>
        precision is BackbonePrecision.Fp32 or BackbonePrecision.Int8
            ? ValidationResult.Success()
            : ValidationResult.Error("--precision must be fp32 or int8.");

    /// <summary>For int8, activation ranges calibrated on generated smears; for fp32, none.</summary>
    public static ActivationRanges? Int8RangesFor(string precision) =>
        precision == BackbonePrecision.Int8
            ? BackboneCalibrator.Calibrate(
                BackboneFiles.InDirectory(),
                GeneratedSmears(seed: 11, CalibrationSmears).Select(new ImagePreprocessor().ToTensor),
                Environment.ProcessorCount)
            : null;

    public static IEnumerable<byte[]> GeneratedSmears(int seed, int count)
    {
        var generator = new SmearGenerator(seed);
        return Enumerable.Range(0, count).Select(i => generator.GenerateJpeg(CellClasses.All[i % CellClasses.Count], i));
    }

    /// <param name="int8Backbone">Calibrated activation ranges: compose the INT8 backbone instead of fp32.</param>
    /// <param name="testTimeViews">The card's test-time augmentation: views the API scores per image.</param>
    public static RegisteredVersion RegisterChampion(string registryDirectory, int seed, ActivationRanges? int8Backbone = null, int testTimeViews = 1)
    {
        var random = new Random(seed);
        float[] Values(int n, double scale) => [.. Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * scale))];
        var head = new ClassifierHead(
            HeadKind.Softmax,
            [.. Values(512, 1.0).Select(Math.Abs)],
            [.. Enumerable.Range(0, 512).Select(_ => (float)(0.5 + random.NextDouble()))],
            [new DenseLayer(512, 4, Values(2048, 0.2), Values(4, 0.5))]);
        // With a referral gate, so the figures include its cost as a trained model's do; its threshold refers nothing.
        var model = ClassifierModelComposer.Compose(
            BackboneFiles.InDirectory(), head, int8Backbone: int8Backbone, referralGate: MahalanobisGate.Euclidean(512, 4));
        var registry = new LocalModelRegistry(registryDirectory);
        using var key = SigningKey(registryDirectory);
        var version = registry.Register(model, _ => new ModelCard
        {
            RunId = $"bench-{seed}",
            Created = DateTimeOffset.UtcNow,
            Metrics = new EvaluationMetrics(),
            TrainingDataHash = "bench",
            Precision = int8Backbone is null ? BackbonePrecision.Fp32 : BackbonePrecision.Int8,
            TestTimeAugmentation = testTimeViews,
            ReferralGate = new ReferralGate { OodThreshold = 1e12, Quality = new QualityLimits(), FeatureCount = 512 },
        }, seal: folder => ModelSignature.Sign(folder, key));
        registry.SetAlias(version.Version);
        return version;
    }

    /// <summary>A verifier that trusts the bench's key for <paramref name="registryDirectory"/>, as the API it starts does.</summary>
    public static ModelSignatureVerifier Verifier(string registryDirectory)
    {
        using var key = SigningKey(registryDirectory);
        return new ModelSignatureVerifier(
            Options.Create(new ModelSigningOptions { PublicKeys = [ModelSigningKeys.PublicKeyText(key)] }),
            NullLogger<ModelSignatureVerifier>.Instance);
    }

    /// <summary>
    /// The bench's stand-in for the trainer's key, one per registry: <c>{registry}.key</c> (made on first use) signs
    /// what the bench registers, and the API it starts trusts <c>{registry}.pub</c> (<c>bench/lib.sh</c>).
    /// </summary>
    public static ECDsa SigningKey(string registryDirectory)
    {
        var root = Path.GetFullPath(registryDirectory).TrimEnd(Path.DirectorySeparatorChar);
        var privatePath = root + ".key";
        if (!File.Exists(privatePath))
        {
            var (privateKey, publicKey) = ModelSigningKeys.Generate();
            File.WriteAllText(privatePath, privateKey);
            File.WriteAllText(root + ".pub", publicKey);
        }

        return ModelSigningKeys.PrivateKey(File.ReadAllText(privatePath));
    }
}
