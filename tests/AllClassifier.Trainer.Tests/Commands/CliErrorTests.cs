using AllClassifier.Trainer.Commands;
namespace AllClassifier.Trainer.Tests.Commands;

public sealed class CliErrorTests
{
    [Fact]
    public async Task A_missing_dataset_fails_with_one_clear_line_and_exit_code_1()
    {
        using var root = new TempDirectory();
        var missing = root.Combine("no-such-dataset");

        var (exitCode, output) = await Cli.RunAsync("run", "--data", missing, "--workdir", root.Combine("work"), "--registry", root.Combine("registry"));

        Assert.Equal(1, exitCode);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var error = Assert.Single(lines, line => line.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains($"'{missing}' does not exist", error);
        Assert.DoesNotContain(lines, line => line.StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_task_id_is_refused_with_the_list_of_tasks()
    {
        var (exitCode, output) = await Cli.RunAsync("task", "train_everything");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Unknown task 'train_everything'", output);
        Assert.Contains("wait_feedback, preprocess_images, prepare_data, train_classifier, test_classifier, register_model", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("3")]
    [InlineData("16")]
    public async Task A_test_time_view_count_other_than_1_2_4_8_is_refused(string views)
    {
        using var root = new TempDirectory();

        var (exitCode, output) = await Cli.RunAsync("task", "test_classifier", "--workdir", root.Combine("work"), "--registry", root.Combine("registry"), "--tta-views", views);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--tta-views must be 1, 2, 4 or 8", output);
    }

    [Fact]
    public async Task Wait_feedback_exits_75_below_the_threshold_and_zero_at_it()
    {
        using var root = new TempDirectory();
        var database = FeedbackDatabase.Create(root.Combine("feedback.db"));
        FeedbackDatabase.Insert(database, "Pre", TestImages.Png(1));
        FeedbackDatabase.Insert(database, "Pro", TestImages.Png(2));
        string[] command = ["task", "wait_feedback", "--feedback-db", database, "--registry", root.Combine("registry"), "--threshold", "3", "--timeout", "0"];

        var (belowExit, belowOutput) = await Cli.RunAsync(command);
        FeedbackDatabase.Insert(database, "Early", TestImages.Png(3));
        var (reachedExit, reachedOutput) = await Cli.RunAsync(command);

        // "Not yet" is not an error: a scheduler checking once per poke must tell it from one.
        Assert.Equal(TrainerCli.NotReachedExitCode, belowExit);
        Assert.Contains("Only 2 of 3 new feedback rows", belowOutput);
        Assert.DoesNotContain("error:", belowOutput);
        Assert.Equal(0, reachedExit);
        Assert.Contains("3 new feedback rows reached the threshold of 3", reachedOutput);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("task", "--help")]
    [InlineData("models", "promote", "--help")]
    public async Task Help_is_available_everywhere(params string[] args)
    {
        var (exitCode, output) = await Cli.RunAsync(args);

        Assert.Equal(0, exitCode);
        Assert.Contains("USAGE", output, StringComparison.OrdinalIgnoreCase);
    }
}
