using AllClassifier.Model;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Registry;
using AllClassifier.Training.Synthetic;
using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Tests.Commands;

namespace AllClassifier.Trainer.Tests.Pipeline;

/// <summary>
/// One real pipeline run shared by the end-to-end tests: 40 synthetic images per class through <c>run</c>, plus the
/// champion's accuracy on held-out synthetic images generated with another seed.
/// </summary>
public sealed class TrainedPipelineFixture : IAsyncLifetime
{
    public const int PerClass = 40;
    public const int HeldOutPerClass = 25;

    private readonly TempDirectory _root = new();

    public string DataDirectory => _root.Combine("data");

    public string WorkDirectory => _root.Combine("work");

    public string RegistryDirectory => _root.Combine("registry");

    public int RunExitCode { get; private set; }

    public string RunOutput { get; private set; } = "";

    public string RunId { get; private set; } = "";

    public EvaluationMetrics HeldOut { get; private set; } = new();

    public async Task InitializeAsync()
    {
        var (synthExit, synthOutput) = await Cli.RunAsync("synth", "--out", DataDirectory, "--per-class", PerClass.ToString(), "--seed", "7");
        Assert.True(synthExit == 0, synthOutput);
        // Default training settings: the classes must be separable from 40 images a class without extra augmentation.
        (RunExitCode, RunOutput) = await Cli.RunAsync(
            "run", "--data", DataDirectory, "--workdir", WorkDirectory, "--registry", RegistryDirectory, "--compare-fp32");
        if (RunExitCode != 0)
        {
            return;
        }

        RunId = new WorkDirectory(WorkDirectory).ResolveRunId(null);
        var champion = new LocalModelRegistry(RegistryDirectory).Champion()!;
        using var classifier = OnnxClassifier.Load(champion.ModelPath, new ScorerOptions { IntraOpThreads = Environment.ProcessorCount });
        var generator = new SmearGenerator(seed: 20_261);
        var preprocessor = new ImagePreprocessor();
        var actual = new List<int>();
        var predicted = new List<int>();
        foreach (var cellClass in CellClasses.All)
        {
            for (var i = 0; i < HeldOutPerClass; i++)
            {
                actual.Add((int)cellClass);
                predicted.Add(classifier.Score(preprocessor.ToTensor(generator.GenerateJpeg(cellClass, i))).PredictedClass);
            }
        }

        HeldOut = EvaluationMetrics.FromPredictions(actual, predicted);
    }

    public Task DisposeAsync()
    {
        _root.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class TrainedPipelineCollection : ICollectionFixture<TrainedPipelineFixture>
{
    public const string Name = "trained pipeline";
}
