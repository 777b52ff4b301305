using AllClassifier.Feedback;
using AllClassifier.Trainer.Tracking;
using AllClassifier.Trainer.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AllClassifier.Trainer.Tests.Worker;

/// <summary>The worker's options come from the sections Trainer and Feedback; the LLD's flat names reach them as aliases.</summary>
public sealed class WorkerSettingsTests
{
    [Fact]
    public void Every_flat_name_of_the_worker_reaches_its_option()
    {
        using var host = Worker(new()
        {
            ["DATA_DIR"] = "/srv/data",
            ["MODEL_REGISTRY_DIR"] = "/srv/registry",
            ["WORK_DIR"] = "/srv/work",
            ["FEEDBACK_DIR"] = "/srv/feedback",
            ["ConnectionStrings:feedback"] = "Host=db;Database=feedback",
            ["FB_THRESH"] = "11",
            ["FB_POKE_INTERVAL_SECONDS"] = "12",
            ["FB_TIMEOUT_SECONDS"] = "13",
            ["RETRAIN_BACKOFF_SECONDS"] = "14",
            ["RETRAIN_BACKOFF_MAX_SECONDS"] = "15",
            ["REGISTRY_KEEP_CHALLENGERS"] = "16",
            ["SYNTHETIC_PER_CLASS"] = "17",
            ["SYNTHETIC_SEED"] = "18",
        });

        var worker = host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value;
        var feedback = host.Services.GetRequiredService<IOptions<FeedbackOptions>>().Value;
        Assert.Equal(
            ("/srv/data", "/srv/registry", "/srv/work", 12, 13, 14, 15, 16, 17, 18),
            (worker.DataDirectory, worker.RegistryDirectory, worker.WorkDirectory, worker.PokeIntervalSeconds, worker.TimeoutSeconds,
                worker.BackoffSeconds, worker.MaxBackoffSeconds, worker.ChallengersToKeep, worker.SyntheticPerClass, worker.SyntheticSeed));
        Assert.Equal(("/srv/feedback", "Host=db;Database=feedback", 11), (feedback.Directory, feedback.PostgresConnectionString, feedback.Threshold));
    }

    [Fact]
    public void The_section_keys_reach_the_same_options()
    {
        using var host = Worker(new()
        {
            ["Trainer:WorkDirectory"] = "/srv/work",
            ["Trainer:BackoffSeconds"] = "30",
            ["Feedback:Threshold"] = "3",
        });

        var worker = host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value;
        Assert.Equal(("/srv/work", 30), (worker.WorkDirectory, worker.BackoffSeconds));
        Assert.Equal(3, host.Services.GetRequiredService<IOptions<FeedbackOptions>>().Value.Threshold);
    }

    [Theory]
    [InlineData("REGISTRY_KEEP_CHALLENGERS", "0", "Trainer:ChallengersToKeep (REGISTRY_KEEP_CHALLENGERS) must be at least 1")]
    [InlineData("RETRAIN_BACKOFF_MAX_SECONDS", "1", "Trainer:MaxBackoffSeconds (RETRAIN_BACKOFF_MAX_SECONDS) at least as large")]
    [InlineData("FB_POKE_INTERVAL_SECONDS", "0", "Trainer:PokeIntervalSeconds (FB_POKE_INTERVAL_SECONDS) must be positive")]
    [InlineData("FB_THRESH", "-5", "Feedback:Threshold (FB_THRESH) must be a positive number")]
    public async Task A_bad_value_stops_the_worker_at_start_naming_the_setting(string name, string value, string message)
    {
        using var host = Worker(new() { [name] = value });

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_mlflow_settings_come_from_their_section_or_the_flat_names()
    {
        var flat = Tracking(new() { ["MLFLOW_TRACKING_URI"] = "http://mlflow:5000/", ["GIT_COMMIT"] = "abc123" });
        var section = Tracking(new()
        {
            ["Trainer:Mlflow:TrackingUri"] = "https://mlflow.example/",
            ["Trainer:Mlflow:ExperimentName"] = "other",
            ["MLFLOW_TRACKING_URI"] = "http://ignored:5000/",
        });

        Assert.Equal((new Uri("http://mlflow:5000/"), "abc123"), (flat.TrackingUri, flat.SourceCommit));
        Assert.Equal((new Uri("https://mlflow.example/"), "other"), (section.TrackingUri, section.ExperimentName));
    }

    private static MlflowTrackingOptions Tracking(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        Assert.True(MlflowTrackingOptions.TryFromConfiguration(configuration, out var options, out var error), error);
        return options!;
    }

    private static IHost Worker(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddRetrainingWorker();
        return builder.Build();
    }
}
