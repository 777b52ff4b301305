using AllClassifier.Feedback;
using AllClassifier.Model.Settings;
using AllClassifier.Trainer.Commands;
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
    public async Task Commands_take_unset_paths_from_the_section_keys_as_from_the_flat_names()
    {
        using var root = new TempDirectory();
        var registry = root.Combine("registry-from-section");
        var database = FeedbackDatabase.Create(Path.Combine(root.Path, "feedback.db"));
        FeedbackDatabase.Insert(database, "Pre", TestImages.Png(1));
        FeedbackDatabase.Insert(database, "Early", TestImages.Png(2));
        var settings = new Dictionary<string, string?>
        {
            ["Trainer:RegistryDirectory"] = registry,
            ["Feedback:Directory"] = root.Path,
            ["Feedback:Threshold"] = "2",
            // The section key wins over the flat name set beside it.
            [SharedSettings.FeedbackThreshold] = "50",
        };

        var (listExit, listOutput) = await Cli.RunAsync(_ => { }, settings, "models", "list");
        var (waitExit, waitOutput) = await Cli.RunAsync(_ => { }, settings, "task", "wait_feedback", "--timeout", "0");

        Assert.Equal(0, listExit);
        Assert.Contains($"No models registered in {registry}", listOutput);
        Assert.True(waitExit == 0, waitOutput);
        Assert.Contains("2 new feedback rows reached the threshold of 2", waitOutput);
    }

    [Fact]
    public async Task Wait_feedback_without_a_timeout_option_takes_the_bound_timeout()
    {
        using var root = new TempDirectory();
        FeedbackDatabase.Create(Path.Combine(root.Path, "feedback.db"));
        var settings = new Dictionary<string, string?>
        {
            [SharedSettings.FeedbackDirectory] = root.Path,
            ["Trainer:RegistryDirectory"] = root.Combine("registry"),
            ["FB_TIMEOUT_SECONDS"] = "0",
        };

        var (exit, output) = await Cli.RunAsync(_ => { }, settings, "task", "wait_feedback");

        Assert.True(exit == TrainerCli.NotReachedExitCode, output);
    }

    [Fact]
    public async Task A_bad_setting_fails_the_command_naming_the_setting()
    {
        var (exit, output) = await Cli.RunAsync(_ => { }, new Dictionary<string, string?> { ["FB_THRESH"] = "0" }, "task", "wait_feedback", "--timeout", "0");

        Assert.Equal(1, exit);
        Assert.Contains("Feedback:Threshold (FB_THRESH) must be a positive number", output);
    }

    [Fact]
    public void The_trainer_defaults_are_the_shared_ones()
    {
        var defaults = new WorkerOptions();
        var feedback = new FeedbackOptions();

        Assert.Equal(SharedSettings.DefaultRegistryDirectory, defaults.RegistryDirectory);
        Assert.Equal(SharedSettings.DefaultFeedbackDirectory, feedback.Directory);
        Assert.Equal(SharedSettings.DefaultWorkDirectory, defaults.WorkDirectory);
        Assert.Equal(SharedSettings.DefaultFeedbackThreshold, feedback.Threshold);
    }
}
