using System.Globalization;
using AllClassifier.Model.Registry;

// Usage: AllClassifier.RegistryWriter <registry root> <model.onnx> <padding bytes>
// Registers the model as a new version, makes it champion and prunes, over and over, the way register_model does,
// printing "registered N" after each; the crash test kills it with SIGKILL at random moments.
var registry = new LocalModelRegistry(args[0]);
var model = File.ReadAllBytes(args[1]);
var padding = new byte[int.Parse(args[2], CultureInfo.InvariantCulture)];
new Random(1).NextBytes(padding);
Console.WriteLine("started");
while (true)
{
    var registered = registry.Register(
        model,
        _ => new ModelCard { RunId = "crash-test", TrainingDataHash = "none", Metrics = new EvaluationMetrics() },
        extraFiles: new Dictionary<string, byte[]> { ["padding.bin"] = padding });
    registry.WithLock(() =>
    {
        registry.SetAlias(registered.Version);
        return registry.Prune(challengersToKeep: 1);
    });
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"registered {registered.Version}"));
}
