using System.Diagnostics;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Registry;
using AllClassifier.Tests.Mlflow;
using AllClassifier.Tests.Onnx;

namespace AllClassifier.Training.Tests.Registry;

/// <summary>
/// Kills a process that keeps registering, promoting and pruning versions (SIGKILL at seeded random moments)
/// and checks after every kill that the registry opens with a champion whose model matches its card and loads.
/// </summary>
public sealed class RegistryCrashTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private const int Kills = 12;
    private const int PaddingBytes = 4 * 1024 * 1024;
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(60);

    private readonly string _root = Directory.CreateTempSubdirectory("registry-crash-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_registering_process_killed_at_random_moments_always_leaves_a_loadable_champion()
    {
        var modelPath = Path.Combine(_root, "model.onnx");
        await File.WriteAllBytesAsync(modelPath, TinyClassifierModel.Create(seed: 3));
        var registry = new LocalModelRegistry(Path.Combine(_root, "registry"));
        registry.SetAlias(registry.Register(await File.ReadAllBytesAsync(modelPath), _ => Card()).Version);
        var random = new Random(20260301);
        var killedAfter = new List<int>();

        for (var kill = 0; kill < Kills; kill++)
        {
            var delay = TimeSpan.FromMilliseconds(random.Next(0, 1500));
            killedAfter.Add(await RunAndKillAsync(registry.Root, modelPath, delay));

            var check = registry.CheckChampion();
            Assert.True(check.Champion is not null, $"After kill {kill + 1} (registered {killedAfter[^1]}): {check.Problem}");
            using var classifier = OnnxClassifier.Load(check.Champion.ReadVerifiedModel());
            Assert.Equal(4, classifier.ClassCount);
            Assert.All(registry.List(), version => Assert.Equal(version.Card.ModelSha256, ModelCard.Sha256Of(File.ReadAllBytes(version.ModelPath))));
        }

        output.WriteLine($"versions registered before each kill: {string.Join(", ", killedAfter)}");

        // The kills landed at different points: some before the first registration finished, some after several.
        Assert.True(killedAfter.Distinct().Count() > 2, $"registrations before each kill: {string.Join(", ", killedAfter)}");
    }

    /// <summary>Starts the writer, lets it run for <paramref name="delay"/> after it started, SIGKILLs it; returns how many versions it reported.</summary>
    private static async Task<int> RunAndKillAsync(string registryRoot, string modelPath, TimeSpan delay)
    {
        var writer = Path.Combine(AppContext.BaseDirectory, "AllClassifier.RegistryWriter.dll");
        using var process = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { writer, registryRoot, modelPath, PaddingBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var registered = 0;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data == "started")
            {
                started.TrySetResult();
            }
            else if (line.Data?.StartsWith("registered ", StringComparison.Ordinal) == true)
            {
                Interlocked.Increment(ref registered);
            }
        };
        process.BeginOutputReadLine();
        try
        {
            await started.Task.WaitAsync(StartDeadline);

            // The random delay is the point of the test: where in a registration the kill lands.
            await Task.Delay(delay);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        return Volatile.Read(ref registered);
    }

    private static ModelCard Card() => new() { RunId = "seed", TrainingDataHash = "none", Metrics = new EvaluationMetrics() };
}
