using AllClassifier.Model.Inference;
using AllClassifier.Training.Onnx;
using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Tests.Commands;

namespace AllClassifier.Trainer.Tests.Pipeline;

[Collection(TrainedPipelineCollection.Name)]
public sealed class HeadKindRunTests(TrainedPipelineFixture fixture)
{
    [Fact]
    public async Task An_mlp_run_takes_its_map_from_a_linear_probe_and_records_it()
    {
        using var root = new TempDirectory();

        var (train, runDirectory) = await TrainOnACopyAsync(root, "mlp");

        Assert.Contains(", 0 computed", train);
        var run = WorkDirectory.ReadJson<RunInfo>(Path.Combine(runDirectory, RunFiles.InfoFileName));
        Assert.Equal("mlp", run.Head);
        Assert.Equal(ClassActivationMapVariant.LinearProbe, run.ClassActivationMap);
        // By default a run trains only the INT8 model it serves.
        Assert.False(run.HasFp32Candidate);
        using var classifier = OnnxClassifier.Load(new RunFiles(runDirectory).Int8Model);
        Assert.True(classifier.HasClassActivationMap);
        Assert.Equal(ClassActivationMapVariant.LinearProbe, classifier.Metadata[ClassActivationMapVariant.MetadataKey]);
    }

    [Fact]
    public async Task An_auto_run_keeps_the_head_kind_with_the_better_validation_score()
    {
        using var root = new TempDirectory();

        var (train, runDirectory) = await TrainOnACopyAsync(root, "auto");

        var choice = System.Text.RegularExpressions.Regex.Match(
            train,
            @"head chosen by validation \(INT8\): (?<kind>\w+) \(val macro-F1 softmax (?<softmax>[\d.]+), mlp (?<mlp>[\d.]+)\)");
        Assert.True(choice.Success, train);
        var (softmaxF1, mlpF1) = (double.Parse(choice.Groups["softmax"].Value, System.Globalization.CultureInfo.InvariantCulture), double.Parse(choice.Groups["mlp"].Value, System.Globalization.CultureInfo.InvariantCulture));
        var chosen = choice.Groups["kind"].Value;
        if (softmaxF1 != mlpF1)
        {
            Assert.Equal(mlpF1 > softmaxF1 ? "mlp" : "softmax", chosen);
        }

        var run = WorkDirectory.ReadJson<RunInfo>(Path.Combine(runDirectory, RunFiles.InfoFileName));
        Assert.Equal(chosen, run.Head);
        Assert.Equal("auto", run.Parameters["head"]);
        using var classifier = OnnxClassifier.Load(new RunFiles(runDirectory).Int8Model);
        Assert.Equal(chosen, classifier.Metadata["head"]);
        Assert.Equal(chosen == "mlp" ? ClassActivationMapVariant.LinearProbe : ClassActivationMapVariant.Head, run.ClassActivationMap);
    }

    /// <summary>
    /// train_classifier with <paramref name="head"/> on a copy of the trained work directory (manifests, processed
    /// images, cached features), which keeps the shared fixture's latest run untouched; its output and run folder.
    /// </summary>
    private async Task<(string Output, string RunDirectory)> TrainOnACopyAsync(TempDirectory root, string head)
    {
        Assert.True(fixture.RunExitCode == 0, fixture.RunOutput);
        var work = root.Combine("work");
        CopyDirectory(fixture.WorkDirectory, work, skip: "runs");

        var train = await Cli.RunAsync("task", "train_classifier", "--workdir", work, "--registry", root.Combine("registry"), "--head", head);

        Assert.True(train.ExitCode == 0, train.Output);
        var workDirectory = new WorkDirectory(work);
        return (train.Output, workDirectory.RunDirectory(workDirectory.ResolveRunId(null)));
    }

    private static void CopyDirectory(string source, string target, string skip)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.EnumerateDirectories(source).Where(d => Path.GetFileName(d) != skip))
        {
            CopyDirectory(directory, Path.Combine(target, Path.GetFileName(directory)), skip);
        }
    }
}
