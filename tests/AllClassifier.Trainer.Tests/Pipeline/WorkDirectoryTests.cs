using AllClassifier.Trainer.Pipeline;

namespace AllClassifier.Trainer.Tests.Pipeline;

public sealed class WorkDirectoryTests
{
    [Fact]
    public void Pruning_runs_keeps_the_named_runs_and_the_latest_one()
    {
        using var root = new TempDirectory();
        var work = new WorkDirectory(root.Path);
        foreach (var runId in new[] { "run-a", "run-b", "run-c", "run-d" })
        {
            Directory.CreateDirectory(work.RunDirectory(runId));
            File.WriteAllBytes(Path.Combine(work.RunDirectory(runId), "model.onnx"), [1, 2, 3]);
        }

        File.WriteAllText(work.LatestRunFile, "run-d");

        var pruned = work.PruneRuns(["run-b", "run-unknown"]);

        Assert.Equal(["run-a", "run-c"], pruned.Order());
        Assert.Equal(["run-b", "run-d"], Directory.GetDirectories(work.Runs).Select(Path.GetFileName).Order());
        Assert.Empty(new WorkDirectory(root.Combine("elsewhere")).PruneRuns([]));
    }
}
