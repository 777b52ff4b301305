using System.Numerics.Tensors;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Registry;
using AllClassifier.Trainer.Dataset;
using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Tests.Commands;

namespace AllClassifier.Trainer.Tests.Pipeline;

[Collection(TrainedPipelineCollection.Name)]
public sealed class TestTimeAugmentationTests(TrainedPipelineFixture fixture)
{
    [Fact]
    public async Task Tta_views_4_tests_the_mean_of_four_views_and_the_card_asks_the_api_for_them()
    {
        // A copy of the fixture's registry: this run may become champion there without changing the fixture's, and
        // register_model's pruning still sees the fixture's run as registered.
        using var registryRoot = new TempDirectory();
        foreach (var file in Directory.EnumerateFiles(fixture.RegistryDirectory, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(registryRoot.Path, Path.GetRelativePath(fixture.RegistryDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        string[] common = ["--workdir", fixture.WorkDirectory, "--registry", registryRoot.Path];
        var work = new WorkDirectory(fixture.WorkDirectory);

        // A head left near its random start: its probabilities differ clearly from view to view, where the fixture's
        // trained head is almost certain of every synthetic image in every view.
        var train = await Cli.RunAsync(["task", "train_classifier", .. common, "--epochs", "1", "--learning-rate", "0.0000001"]);
        var test = await Cli.RunAsync(["task", "test_classifier", .. common, "--tta-views", "4"]);
        var register = await Cli.RunAsync(["task", "register_model", .. common]);

        Assert.True(train.ExitCode == 0, train.Output);
        Assert.True(test.ExitCode == 0, test.Output);
        Assert.Contains("(mean of 4 views)", test.Output);
        Assert.True(register.ExitCode == 0, register.Output);
        var runId = File.ReadAllText(work.LatestRunFile).Trim();
        var files = new RunFiles(work.RunDirectory(runId));
        var report = WorkDirectory.ReadJson<TestReport>(files.Metrics);
        var version = new LocalModelRegistry(registryRoot.Path).List().Single(registered => registered.Card.RunId == runId);
        Assert.Equal(4, report.TestTimeViews);
        Assert.Equal(4, version.Card.TestTimeAugmentation);
        Assert.Equal("4", version.Card.Parameters[RegisterModelTask.TestTimeViewsParameter]);

        // The served model, scored view by view here and averaged, gives the card's figures.
        var testSplit = ManifestFile.Read(files.ManifestCopy(work.TestManifest));
        using var classifier = OnnxClassifier.Load(version.ModelPath);
        var preprocessor = new ImagePreprocessor();
        var view = new float[ImagePreprocessor.TensorLength];
        int[] views = [DihedralView.Identity, DihedralView.FlipHorizontal, DihedralView.FlipVertical, DihedralView.Rotate180];
        var actual = testSplit.Select(entry => (int)entry.Class).ToList();
        var single = new List<float[]>();
        var means = new List<float[]>();
        foreach (var entry in testSplit)
        {
            var tensor = preprocessor.ToTensor(File.ReadAllBytes(work.Resolve(entry.Path)));
            single.Add(classifier.Classify(tensor));
            var mean = new float[4];
            foreach (var v in views)
            {
                DihedralView.Apply(tensor, view, v);
                TensorPrimitives.Add(mean, classifier.Classify(view), mean);
            }

            TensorPrimitives.Divide(mean, views.Length, mean);
            means.Add(mean);
        }

        var expected = EvaluationMetrics.FromPredictions(actual, [.. means.Select(p => TensorPrimitives.IndexOfMax<float>(p))]);
        Assert.Equal(expected.ConfusionMatrix, version.Card.Metrics.ConfusionMatrix);
        Assert.Equal(expected.Accuracy, version.Card.Metrics.Accuracy);
        Assert.Equal(expected.MacroF1, version.Card.Metrics.MacroF1);
        // The calibration figure is made of the probabilities themselves, so it also tells four views from one.
        var expectedError = CalibrationReport.ExpectedCalibrationErrorOf(CalibrationReport.BinsOf(actual, means));
        var singleViewError = CalibrationReport.ExpectedCalibrationErrorOf(CalibrationReport.BinsOf(actual, single));
        var servedError = version.Card.Metrics.Calibration!.ExpectedCalibrationError;
        Assert.Equal(expectedError, servedError, 1e-4);
        Assert.True(Math.Abs(singleViewError - servedError) > 1e-3, $"single view ECE {singleViewError}, four views {servedError}");
        Assert.True(report.EndToEndMaxDifference <= Evaluation.HeadAgreement.Tolerance);
    }
}
