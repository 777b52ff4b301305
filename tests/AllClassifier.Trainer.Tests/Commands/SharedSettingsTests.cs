using AllClassifier.Model.Settings;
using AllClassifier.Trainer.Worker;

namespace AllClassifier.Trainer.Tests.Commands;

public sealed class SharedSettingsTests
{
    [Fact]
    public async Task Commands_take_unset_paths_from_the_shared_settings_in_configuration()
    {
        using var root = new TempDirectory();
        var registry = root.Combine("registry-from-configuration");
        var database = FeedbackDatabase.Create(Path.Combine(root.Path, "feedback.db"));
        FeedbackDatabase.Insert(database, "Pre", TestImages.Png(1));
        var settings = new Dictionary<string, string?>
        {
            [SharedSettings.RegistryDirectory] = registry,
            [SharedSettings.FeedbackDirectory] = root.Path,
            [SharedSettings.FeedbackThreshold] = "1",
        };

        var (listExit, listOutput) = await Cli.RunAsync(_ => { }, settings, "models", "list");
        var (waitExit, waitOutput) = await Cli.RunAsync(_ => { }, settings, "task", "wait_feedback", "--timeout", "0");

        Assert.Equal(0, listExit);
        Assert.Contains($"No models registered in {registry}", listOutput);
        Assert.True(waitExit == 0, waitOutput);
        Assert.Contains("1 new feedback rows reached the threshold of 1", waitOutput);
    }

    [Fact]
    public void The_trainer_defaults_are_the_shared_ones()
    {
        var defaults = new WorkerOptions();

        Assert.Equal(SharedSettings.DefaultRegistryDirectory, defaults.RegistryDirectory);
        Assert.Equal(SharedSettings.DefaultFeedbackDirectory, defaults.FeedbackDirectory);
        Assert.Equal(SharedSettings.DefaultWorkDirectory, defaults.WorkDirectory);
        Assert.Equal(SharedSettings.DefaultFeedbackThreshold, defaults.FeedbackThreshold);
    }
}
