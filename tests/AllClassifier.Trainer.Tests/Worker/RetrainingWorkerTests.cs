using AllClassifier.Model.Registry;
using AllClassifier.Trainer.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace AllClassifier.Trainer.Tests.Worker;

public sealed class RetrainingWorkerTests
{
    [Fact]
    public async Task On_an_empty_registry_without_a_dataset_it_trains_a_first_model_on_synthetic_data()
    {
        using var root = new TempDirectory();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MODEL_REGISTRY_DIR"] = root.Combine("registry"),
            ["WORK_DIR"] = root.Combine("work"),
            ["FEEDBACK_DIR"] = root.Combine("feedback"),
            ["DATA_DIR"] = "",
            ["SYNTHETIC_PER_CLASS"] = "8",
            ["FB_THRESH"] = "5",
        });
        builder.AddRetrainingWorker();
        using var host = builder.Build();

        await host.StartAsync();
        var registry = new LocalModelRegistry(root.Combine("registry"));
        var healthChecks = host.Services.GetRequiredService<HealthCheckService>();
        var deadline = DateTime.UtcNow.AddMinutes(3);
        // The champion is registered before the worker records the finished run, so both are awaited.
        var health = await healthChecks.CheckHealthAsync();
        while ((registry.Champion() is null || !health.Entries[WorkerServiceExtensions.HealthCheckName].Data.ContainsKey("last_run_id")) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            health = await healthChecks.CheckHealthAsync();
        }

        await host.StopAsync();
        var champion = registry.Champion();
        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.NotNull(health.Entries[WorkerServiceExtensions.HealthCheckName].Data["last_run_id"]);
        Assert.NotNull(champion);
        Assert.Equal(32, Directory.EnumerateFiles(root.Combine("work", "synthetic"), "*.jpg", SearchOption.AllDirectories).Count());
        Assert.Equal(0, champion.Card.FeedbackHighWaterMark);
        Assert.Equal(5, host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AllClassifier.Feedback.FeedbackOptions>>().Value.Threshold);
    }
}

public sealed class RetrainingWorkerWaitTests
{
    [Fact]
    public async Task With_a_champion_it_runs_the_wait_feedback_task_and_reports_waiting()
    {
        using var root = new TempDirectory();
        var registry = new LocalModelRegistry(root.Combine("registry"));
        var champion = registry.Register(
            "a model the worker never loads while waiting"u8.ToArray(),
            version => new ModelCard { RunId = "run-1", Metrics = new EvaluationMetrics(), TrainingDataHash = "" });
        registry.SetAlias(champion.Version);
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MODEL_REGISTRY_DIR"] = registry.Root,
            ["WORK_DIR"] = root.Combine("work"),
            ["FEEDBACK_DIR"] = root.Combine("feedback"),
            ["FB_THRESH"] = "5",
            ["FB_POKE_INTERVAL_SECONDS"] = "3600",
        });
        builder.AddRetrainingWorker();
        using var host = builder.Build();
        var health = host.Services.GetRequiredService<HealthCheckService>();

        await host.StartAsync();
        HealthReport report;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            report = await health.CheckHealthAsync();
            await Task.Delay(50);
        }
        while (!Equals(report.Entries[WorkerServiceExtensions.HealthCheckName].Data["activity"], "WaitingForFeedback") && DateTime.UtcNow < deadline);
        await host.StopAsync();

        Assert.Equal("WaitingForFeedback", report.Entries[WorkerServiceExtensions.HealthCheckName].Data["activity"]);
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.False(Directory.Exists(root.Combine("work", "runs")));
    }
}

public sealed class WorkerHealthCheckTests
{
    [Fact]
    public async Task Healthy_while_working_and_degraded_after_a_failed_run_until_a_run_succeeds()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-01-02T03:04:05Z", System.Globalization.CultureInfo.InvariantCulture));
        var status = new WorkerStatus(clock);
        var check = new WorkerHealthCheck(status);

        status.Enter(WorkerActivity.TrainingFirstModel);
        var training = await check.CheckHealthAsync(new HealthCheckContext());
        status.RunFailed("the dataset folder is empty");
        var failed = await check.CheckHealthAsync(new HealthCheckContext());
        status.RunSucceeded("run-2");
        var recovered = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, training.Status);
        Assert.Equal("TrainingFirstModel", training.Data["activity"]);
        Assert.Equal(HealthStatus.Degraded, failed.Status);
        Assert.Contains("the dataset folder is empty", failed.Description);
        Assert.Equal(HealthStatus.Healthy, recovered.Status);
        Assert.Equal("run-2", recovered.Data["last_run_id"]);
    }
}
