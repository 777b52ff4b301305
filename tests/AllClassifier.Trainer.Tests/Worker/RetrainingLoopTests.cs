using AllClassifier.Model.Registry;
using AllClassifier.Trainer.Pipeline;
using AllClassifier.Trainer.Worker;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace AllClassifier.Trainer.Tests.Worker;

/// <summary>The worker's loop on a fake clock, with a fake pipeline that only registers versions.</summary>
public sealed class RetrainingLoopTests : IDisposable
{
    private const int Threshold = 3;
    private static readonly TimeSpan PokeInterval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Backoff = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan RealDeadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(5);

    // The clock only moves while the worker waits on it (see AdvanceUntil), but the sensor's first look at the
    // feedback table is real I/O done while it is waiting. A wrong pause is off by whole backoffs, so half of one
    // separates right from wrong without racing that I/O.
    private static readonly TimeSpan SchedulingSlack = Backoff / 2;

    private readonly TempDirectory _root = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeTrainingPipeline _pipeline;
    private readonly LocalModelRegistry _registry;
    private WorkerStatus? _status;

    public RetrainingLoopTests()
    {
        _registry = new LocalModelRegistry(_root.Combine("registry"));
        _pipeline = new FakeTrainingPipeline(_registry.Root, _clock);
        Directory.CreateDirectory(_root.Combine("feedback"));
        FeedbackDatabase.Create(FeedbackPath);
    }

    private string FeedbackPath => _root.Combine("feedback", "feedback.db");

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task After_a_rejected_challenger_it_waits_for_threshold_new_rows_and_backs_off_exponentially()
    {
        _registry.SetAlias(_registry.Register([1], _ => FakeTrainingPipeline.Card("champion", highWaterMark: 0)).Version);
        AddFeedback(Threshold);
        _pipeline.HighWaterMark = Threshold;
        using var host = StartWorker();

        // Rows 1-3 are new to the champion: the first run starts at once and its challenger is rejected.
        await AdvanceUntil(() => _pipeline.Finished == 1);
        await AdvanceUntil(() => Activity(host) == WorkerActivity.WaitingForFeedback);

        // Two hours of pokes: the rejected challenger trained on rows 1-3, so nothing is new.
        await Advance(TimeSpan.FromHours(2));
        Assert.Equal(1, _pipeline.Started);

        AddFeedback(Threshold);
        _pipeline.HighWaterMark = 2 * Threshold;
        await AdvanceUntil(() => _pipeline.Finished == 2);
        AddFeedback(Threshold);
        _pipeline.HighWaterMark = 3 * Threshold;
        await AdvanceUntil(() => _pipeline.Finished == 3);

        // The second rejection in a row pauses twice as long as the first before the sensor looks again.
        var starts = _pipeline.RunStarts;
        var pause = starts[2] - starts[1];
        Assert.InRange(pause, 2 * Backoff, (2 * Backoff) + SchedulingSlack);
        Assert.False(Worker(host).ExecuteTask!.IsCompleted);
    }

    [Fact]
    public async Task A_promoted_run_is_not_followed_by_a_pause()
    {
        _registry.SetAlias(_registry.Register([1], _ => FakeTrainingPipeline.Card("champion", highWaterMark: 0)).Version);
        _pipeline.Promote = true;
        AddFeedback(Threshold);
        _pipeline.HighWaterMark = Threshold;
        using var host = StartWorker();

        await AdvanceUntil(() => _pipeline.Finished == 1);
        var promotedAt = _clock.GetUtcNow();
        AddFeedback(Threshold);
        _pipeline.HighWaterMark = 2 * Threshold;
        await AdvanceUntil(() => _pipeline.Finished == 2);

        Assert.InRange(_pipeline.RunStarts[1] - promotedAt, TimeSpan.Zero, 2 * PokeInterval);
    }

    public enum Breakage
    {
        CorruptCard,
        AliasToMissingVersion,
        EmptyModelFile,
    }

    [Theory]
    [InlineData(Breakage.CorruptCard, "model.json is unreadable")]
    [InlineData(Breakage.AliasToMissingVersion, "names version 7, which is not in the registry")]
    [InlineData(Breakage.EmptyModelFile, "model.onnx is missing or empty")]
    public async Task An_unusable_champion_is_reported_as_degraded_and_replaced_without_stopping_the_worker(Breakage breakage, string problem)
    {
        var champion = _registry.Register([1], _ => FakeTrainingPipeline.Card("champion", highWaterMark: 0));
        _registry.SetAlias(champion.Version);
        switch (breakage)
        {
            case Breakage.CorruptCard:
                File.WriteAllText(Path.Combine(champion.Directory, LocalModelRegistry.CardFileName), "{ not json");
                break;
            case Breakage.AliasToMissingVersion:
                File.WriteAllText(_registry.AliasPath(LocalModelRegistry.ChampionAlias), "7");
                break;
            case Breakage.EmptyModelFile:
                File.WriteAllBytes(champion.ModelPath, []);
                break;
        }

        _pipeline.Promote = true;
        _pipeline.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var host = StartWorker();

        await AdvanceUntil(() => _pipeline.Started == 1);
        var whileBroken = await Health(host);
        _pipeline.Gate.SetResult();
        await AdvanceUntil(() => _pipeline.Finished == 1 && Activity(host) == WorkerActivity.WaitingForFeedback);
        var afterRepair = await Health(host);

        Assert.Equal(HealthStatus.Degraded, whileBroken.Status);
        Assert.Contains(problem, whileBroken.Description);
        Assert.Equal(HealthStatus.Healthy, afterRepair.Status);
        Assert.Equal(2, _registry.Champion()?.Version);
        Assert.False(Worker(host).ExecuteTask!.IsCompleted);
    }

    [Fact]
    public async Task A_failing_pipeline_is_reported_and_retried_after_the_backoff()
    {
        _pipeline.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pipeline.Gate.SetException(new InvalidDataException("the dataset is empty"));
        using var host = StartWorker();

        await AdvanceUntil(() => _pipeline.Started == 2);
        var health = await Health(host);

        Assert.Equal(HealthStatus.Degraded, health.Status);
        Assert.Contains("the dataset is empty", health.Description);
        Assert.InRange(_pipeline.RunStarts[1] - _pipeline.RunStarts[0], Backoff, Backoff + SchedulingSlack);
    }

    [Fact]
    public async Task An_admin_keyed_request_runs_the_pipeline_at_once_instead_of_waiting_for_feedback()
    {
        _registry.SetAlias(_registry.Register([1], _ => FakeTrainingPipeline.Card("champion", highWaterMark: 0)).Version);
        _pipeline.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await StartWebWorkerAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
        await AdvanceUntil(() => Activity(app) == WorkerActivity.WaitingForFeedback);

        using var unkeyed = await http.PostAsync("/pipeline/run", null);
        using var wrongKey = await http.SendAsync(RunNow("not-the-key"));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, unkeyed.StatusCode);
        Assert.Contains("\"detail\"", await unkeyed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        await Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(0, _pipeline.Started);

        // No feedback has arrived: only the request starts this run.
        using var accepted = await http.SendAsync(RunNow(AdminKey));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, accepted.StatusCode);
        await AdvanceUntil(() => _pipeline.Started == 1 && Activity(app) == WorkerActivity.Retraining);
        using var whileRunning = await http.SendAsync(RunNow(AdminKey));
        Assert.Equal(System.Net.HttpStatusCode.Conflict, whileRunning.StatusCode);

        _pipeline.Gate.SetResult();
        await AdvanceUntil(() => _pipeline.Finished == 1);
        Assert.Equal(1, _pipeline.Started);
    }

    private const string AdminKey = "trainer-admin-key-3f9";

    private static HttpRequestMessage RunNow(string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/pipeline/run");
        request.Headers.Add(RunNowEndpoints.KeyHeader, key);
        return request;
    }

    /// <summary>The worker with its HTTP endpoints on a free loopback port, as the <c>worker</c> command serves it.</summary>
    private async Task<Microsoft.AspNetCore.Builder.WebApplication> StartWebWorkerAsync()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(WorkerSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Admin:ApiKey"] = AdminKey });
        builder.Services.AddSingleton<TimeProvider>(_clock);
        builder.AddRetrainingWorker();
        builder.Services.AddSingleton<ITrainingPipeline>(_pipeline);
        var app = builder.Build();
        _status = app.Services.GetRequiredService<WorkerStatus>();
        app.MapRunNowEndpoints();
        await app.StartAsync();
        return app;
    }

    private Dictionary<string, string?> WorkerSettings() => new()
    {
        ["MODEL_REGISTRY_DIR"] = _registry.Root,
        ["WORK_DIR"] = _root.Combine("work"),
        ["FEEDBACK_DIR"] = _root.Combine("feedback"),
        ["DATA_DIR"] = _root.Path,
        ["FB_THRESH"] = Threshold.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["FB_POKE_INTERVAL_SECONDS"] = PokeInterval.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RETRAIN_BACKOFF_SECONDS"] = Backoff.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RETRAIN_BACKOFF_MAX_SECONDS"] = "3600",
    };

    private IHost StartWorker()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(WorkerSettings());
        builder.Services.AddSingleton<TimeProvider>(_clock);
        builder.AddRetrainingWorker();
        builder.Services.AddSingleton<ITrainingPipeline>(_pipeline);
        var host = builder.Build();
        _status = host.Services.GetRequiredService<WorkerStatus>();
        host.Start();
        return host;
    }

    private static RetrainingWorker Worker(IHost host) => host.Services.GetServices<IHostedService>().OfType<RetrainingWorker>().Single();

    private static WorkerActivity Activity(IHost host) => host.Services.GetRequiredService<WorkerStatus>().Current.Activity;

    private static async Task<HealthReportEntry> Health(IHost host) =>
        (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries[WorkerServiceExtensions.HealthCheckName];

    private void AddFeedback(int rows)
    {
        for (var i = 0; i < rows; i++)
        {
            FeedbackDatabase.Insert(FeedbackPath, "Pre", [1, 2, 3]);
        }
    }

    /// <summary>
    /// Moves the fake clock a step at a time (real time passes a little between steps so the worker can reach
    /// its next timer) until <paramref name="condition"/> holds, or fails after a real-time deadline. The clock
    /// stands still while the worker starts, trains or checks the registry, so slow real work on a loaded machine
    /// cannot stretch a measured pause.
    /// </summary>
    private async Task AdvanceUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + RealDeadline;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The worker did not get there in time.");
            if (_status?.Current.Activity is null or WorkerActivity.WaitingForFeedback or WorkerActivity.BackingOff)
            {
                _clock.Advance(Step);
            }

            await Task.Delay(1);
        }
    }

    private async Task Advance(TimeSpan total)
    {
        for (var elapsed = TimeSpan.Zero; elapsed < total; elapsed += TimeSpan.FromSeconds(10))
        {
            _clock.Advance(TimeSpan.FromSeconds(10));
            await Task.Delay(1);
        }
    }
}
