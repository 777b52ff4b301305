using AllClassifier.Trainer.Commands;
using AllClassifier.Model.Registry;
using AllClassifier.Trainer.Tests.Worker;

namespace AllClassifier.Trainer.Tests.Commands;

public sealed class RegistryCommandTests
{
    [Fact]
    public async Task Wait_feedback_counts_after_the_highest_mark_of_any_version_not_only_the_champion()
    {
        using var root = new TempDirectory();
        var registry = new LocalModelRegistry(root.Combine("registry"));
        registry.SetAlias(registry.Register([1], _ => FakeTrainingPipeline.Card("champion", highWaterMark: 0)).Version);
        registry.Register([2], _ => FakeTrainingPipeline.Card("rejected challenger", highWaterMark: 3));
        var database = FeedbackDatabase.Create(root.Combine("feedback.db"));
        for (var i = 1; i <= 4; i++)
        {
            FeedbackDatabase.Insert(database, "Pre", TestImages.Png(i));
        }

        var (exitCode, output) = await Cli.RunAsync(
            "task", "wait_feedback", "--feedback-db", database, "--registry", registry.Root, "--threshold", "2", "--timeout", "0");

        Assert.Equal(TrainerCli.NotReachedExitCode, exitCode);
        Assert.Contains("Only 1 of 2 new feedback rows", output);
    }

    [Fact]
    public async Task Models_list_calls_out_a_champion_that_names_a_missing_version()
    {
        using var root = new TempDirectory();
        var registry = new LocalModelRegistry(root.Combine("registry"));
        registry.Register([1], _ => FakeTrainingPipeline.Card("first", highWaterMark: 0));
        Directory.CreateDirectory(registry.AliasesDirectory);
        File.WriteAllText(registry.AliasPath(LocalModelRegistry.ChampionAlias), "4");

        var (exitCode, output) = await Cli.RunAsync("models", "list", "--registry", registry.Root);

        Assert.Equal(0, exitCode);
        Assert.Contains("The champion is unusable: the champion alias names version 4, which is not in the registry", output);
        Assert.Contains("first", output);
    }

    [Fact]
    public async Task Keeping_no_challengers_is_refused_because_the_newest_version_holds_the_high_water_mark()
    {
        var (exitCode, output) = await Cli.RunAsync("run", "--keep-challengers", "0");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--keep-challengers must be at least 1", output);
    }
}
