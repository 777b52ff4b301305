using System.Text.Json;
using AllClassifier.Model;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Registry;
using AllClassifier.Trainer.Dataset;
using AllClassifier.Trainer.Evaluation;
using AllClassifier.Trainer.Features;
using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Quantization;
using AllClassifier.Trainer.Tests.Commands;
using AllClassifier.Trainer.Training;
using AllClassifier.Training.Augmentation;
using AllClassifier.Training.Onnx;

namespace AllClassifier.Trainer.Tests.Pipeline;

[Collection(TrainedPipelineCollection.Name)]
public sealed class EndToEndTests(TrainedPipelineFixture fixture)
{
    [Fact]
    public void Run_registers_a_champion_that_onnx_runtime_loads_and_that_classifies_held_out_images()
    {
        Assert.True(fixture.RunExitCode == 0, fixture.RunOutput);
        foreach (var task in PipelineTaskIds.Training)
        {
            Assert.Matches($@"{task}\W+\d+\.\d", fixture.RunOutput);
        }

        var registry = new LocalModelRegistry(fixture.RegistryDirectory);
        var champion = registry.List().First();
        Assert.Equal(champion.Version, registry.ResolveAlias());
        using var classifier = OnnxClassifier.Load(champion.ModelPath);
        Assert.True(classifier.HasProbabilities);
        Assert.Equal(CellClasses.Count, classifier.ClassCount);
        Assert.Equal(fixture.RunId, classifier.Metadata["run_id"]);
        Assert.True(
            fixture.HeldOut.Accuracy >= 0.9,
            $"held-out accuracy {fixture.HeldOut.Accuracy:F3} (confusion {JsonSerializer.Serialize(fixture.HeldOut.ConfusionMatrix)})");
    }

    [Fact]
    public void The_model_card_and_metrics_describe_the_run()
    {
        var champion = new LocalModelRegistry(fixture.RegistryDirectory).Find(1)!;
        var runDirectory = new WorkDirectory(fixture.WorkDirectory).RunDirectory(fixture.RunId);
        var report = WorkDirectory.ReadJson<TestReport>(new RunFiles(runDirectory).Metrics);
        var summary = WorkDirectory.ReadJson<DataSummary>(Path.Combine(fixture.WorkDirectory, "manifests", "summary.json"));

        Assert.Equal(fixture.RunId, champion.Card.RunId);
        Assert.Equal(summary.TrainingDataHash, champion.Card.TrainingDataHash);
        Assert.Equal(summary.TestSplitHash, champion.Card.TestSplitHash);
        Assert.Null(champion.Card.ParentVersion);
        Assert.Equal(report.Metrics.MacroF1, champion.Card.Metrics.MacroF1);
        Assert.Equal(4, report.Metrics.PerClass.Count);
        Assert.Equal(report.Metrics.TestCount, report.Metrics.ConfusionMatrix.Sum(row => row.Sum()));
        Assert.Equal(4 * 6, report.Metrics.TestCount);
        Assert.True(report.Metrics.MeanLatencyMs > 0);
        Assert.True(report.EndToEndMaxDifference <= HeadAgreement.Tolerance);
        Assert.Null(report.Champion);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(champion.ConfusionMatrixPath).Take(4));
        Assert.True(File.Exists(Path.Combine(champion.Directory, HeadFile.FileName)));
        Assert.Equal(summary.NearDuplicateGroups.ToString(System.Globalization.CultureInfo.InvariantCulture), champion.Card.Parameters["near_duplicate_groups"]);
        var calibration = Assert.IsType<CalibrationReport>(champion.Card.Metrics.Calibration);
        Assert.Equal(WorkDirectory.ReadJson<RunInfo>(new RunFiles(runDirectory).Info).Temperature, calibration.Temperature);
        Assert.NotEqual(1, calibration.Temperature);
        Assert.Equal(report.Metrics.TestCount, calibration.Bins.Sum(bin => bin.Count));
        Assert.InRange(calibration.ExpectedCalibrationError, 0, 1);
    }

    [Fact]
    public async Task Tasks_run_one_by_one_reuse_cached_features_and_a_worse_model_stays_challenger()
    {
        string[] common = ["--workdir", fixture.WorkDirectory, "--registry", fixture.RegistryDirectory];

        // One epoch at a negligible learning rate leaves the head at its random start: a deliberately worse model.
        var train = await Cli.RunAsync(["task", "train_classifier", .. common, "--compare-fp32", "--epochs", "1", "--learning-rate", "0.0000001"]);
        // An allowed drop of -1 demands an impossible INT8 gain: the run must fall back to serving fp32.
        var test = await Cli.RunAsync(["task", "test_classifier", .. common, "--int8-max-f1-drop", "-1"]);
        var register = await Cli.RunAsync(["task", "register_model", .. common]);

        Assert.True(train.ExitCode == 0, train.Output);
        Assert.Contains(", 0 computed", train.Output);
        Assert.True(test.ExitCode == 0, test.Output);
        Assert.Contains("champion v1 macro-F1", test.Output);
        Assert.Contains("serving fp32", test.Output);
        Assert.True(register.ExitCode == 0, register.Output);
        Assert.Contains("as challenger", register.Output);
        var registry = new LocalModelRegistry(fixture.RegistryDirectory);
        var challenger = registry.List().Last();
        Assert.Equal(1, registry.ResolveAlias());
        Assert.Equal(1, challenger.Card.ParentVersion);
        Assert.Equal(BackbonePrecision.Fp32, challenger.Card.Precision);
        Assert.NotNull(challenger.Card.Int8MacroF1);
        Assert.True(challenger.Card.Metrics.MacroF1 < registry.Find(1)!.Card.Metrics.MacroF1);

        var list = await Cli.RunAsync("models", "list", "--registry", fixture.RegistryDirectory);
        Assert.Contains("champion", list.Output);
        var promote = await Cli.RunAsync("models", "promote", challenger.Version.ToString(), "--registry", fixture.RegistryDirectory);
        Assert.Equal(challenger.Version, registry.ResolveAlias());
        await Cli.RunAsync("models", "promote", "1", "--registry", fixture.RegistryDirectory);
        Assert.Equal(0, promote.ExitCode);
        Assert.Equal(1, registry.ResolveAlias());
    }

    [Fact]
    public async Task Shifted_training_copies_are_new_features_and_test_classifier_scores_each_evaluation_shift()
    {
        string[] common = ["--workdir", fixture.WorkDirectory, "--registry", fixture.RegistryDirectory, "--no-int8"];
        var work = new WorkDirectory(fixture.WorkDirectory);
        var trainImages = ManifestFile.Read(work.TrainManifest).Count;

        var train = await Cli.RunAsync(["task", "train_classifier", .. common, "--augment-shifts", $"{PipelineOptions.DefaultAugmentShifts + 1}"]);
        var test = await Cli.RunAsync(["task", "test_classifier", .. common, "--evaluate-shifts"]);

        Assert.True(train.ExitCode == 0, train.Output);
        // The fixture's run cached the views and the default shifted copies; only the one more copy per image is new.
        Assert.Contains($", {trainImages} computed", train.Output);
        Assert.True(test.ExitCode == 0, test.Output);
        var runId = File.ReadAllText(work.LatestRunFile).Trim();
        var files = new RunFiles(work.RunDirectory(runId));
        Assert.Equal($"{PipelineOptions.DefaultAugmentShifts + 1}", WorkDirectory.ReadJson<RunInfo>(files.Info).Parameters["augment_shifts"]);
        var report = WorkDirectory.ReadJson<TestReport>(files.Metrics);
        Assert.Equal(AcquisitionShift.Evaluation.Select(shift => shift.Key), report.AcquisitionShifts.Select(result => result.Shift));
        Assert.All(report.AcquisitionShifts, result =>
        {
            Assert.InRange(result.Accuracy, 0, 1);
            Assert.Equal(report.Metrics.Accuracy - result.Accuracy, result.Drop, precision: 12);
        });
        Assert.Equal(report.AcquisitionShifts.Max(result => result.Drop), report.WorstShiftDrop);
    }

    [Fact]
    public async Task By_default_a_run_trains_only_the_int8_model_it_serves_on_multi_scale_features()
    {
        string[] common = ["--workdir", fixture.WorkDirectory, "--registry", fixture.RegistryDirectory];
        var work = new WorkDirectory(fixture.WorkDirectory);

        var train = await Cli.RunAsync(["task", "train_classifier", .. common]);
        var test = await Cli.RunAsync(["task", "test_classifier", .. common]);

        Assert.True(train.ExitCode == 0, train.Output);
        // The fixture's run (with --compare-fp32) cached the INT8 features of the same calibration: nothing is recomputed,
        // and no fp32 features are asked for at all.
        Assert.Contains("INT8 features:", train.Output);
        Assert.DoesNotContain("Extracting features", train.Output);
        Assert.True(test.ExitCode == 0, test.Output);
        Assert.Contains("serving int8 (no fp32 model trained to compare)", test.Output);
        var files = new RunFiles(work.RunDirectory(File.ReadAllText(work.LatestRunFile).Trim()));
        var run = WorkDirectory.ReadJson<RunInfo>(files.Info);
        Assert.False(run.HasFp32Candidate);
        Assert.True(run.HasInt8Candidate);
        Assert.Equal(FeatureLayout.MultiScale, run.Layout);
        Assert.False(File.Exists(files.Model));
        var report = WorkDirectory.ReadJson<TestReport>(files.Metrics);
        Assert.Equal(BackbonePrecision.Int8, report.Precision);
        Assert.Null(report.Fp32MacroF1);
        Assert.Equal(report.Int8MacroF1, report.Metrics.MacroF1);
        using var classifier = OnnxClassifier.Load(files.Int8Model);
        Assert.Equal(FeatureLayout.MultiScale.Name(), classifier.Metadata[FeatureLayouts.MetadataKey]);
        Assert.Equal(FeatureLayout.MultiScale.FeatureCount(), classifier.Score(new float[3 * 224 * 224]).Features.Length);
    }

    [Fact]
    public void The_composed_model_matches_the_managed_head()
    {
        var runDirectory = new WorkDirectory(fixture.WorkDirectory).RunDirectory(fixture.RunId);
        var run = WorkDirectory.ReadJson<RunInfo>(new RunFiles(runDirectory).Info);

        Assert.InRange(run.SelfCheckMaxDifference, 0, HeadAgreement.Tolerance);
        Assert.True(File.Exists(BackboneFiles.InDirectory().ResNet18Path));
        // The saved head, which the self-check proved equal to the served model, carries the fitted temperature.
        Assert.InRange(run.Temperature, TemperatureScaling.MinimumTemperature, TemperatureScaling.MaximumTemperature);
    }

    [Fact]
    public void The_card_records_both_candidates_scores_and_serves_int8_when_it_is_within_the_allowed_drop()
    {
        var champion = new LocalModelRegistry(fixture.RegistryDirectory).Find(1)!;
        var files = new RunFiles(new WorkDirectory(fixture.WorkDirectory).RunDirectory(fixture.RunId));
        var report = WorkDirectory.ReadJson<TestReport>(files.Metrics);

        Assert.NotNull(champion.Card.Fp32MacroF1);
        Assert.NotNull(champion.Card.Int8MacroF1);
        var expected = new Int8Options().Accepts(champion.Card.Fp32MacroF1.Value, champion.Card.Int8MacroF1.Value)
            ? BackbonePrecision.Int8
            : BackbonePrecision.Fp32;
        Assert.Equal(expected, champion.Card.Precision);
        Assert.Equal(report.Precision, champion.Card.Precision);
        Assert.Equal(File.ReadAllBytes(files.Served(champion.Card.Precision).Model), File.ReadAllBytes(champion.ModelPath));
        Assert.Equal(File.ReadAllBytes(files.Served(champion.Card.Precision).Head), File.ReadAllBytes(Path.Combine(champion.Directory, HeadFile.FileName)));
        Assert.Equal(champion.Card.Precision == BackbonePrecision.Int8 ? champion.Card.Int8MacroF1 : champion.Card.Fp32MacroF1, champion.Card.Metrics.MacroF1);
    }
}
