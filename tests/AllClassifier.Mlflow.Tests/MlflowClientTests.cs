using System.Net;
using System.Text.Json.Nodes;
using AllClassifier.Mlflow;
using AllClassifier.Tests.Mlflow;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AllClassifier.Mlflow.Tests;

public sealed class MlflowClientTests : IAsyncLifetime
{
    private FakeMlflowServer _server = null!;
    private MlflowClient _client = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeMlflowServer.StartAsync();
        (_client, _services) = MlflowTestClients.Create(_server.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Experiment_is_looked_up_by_name_and_created_only_when_missing()
    {
        var first = await _client.GetOrCreateExperimentAsync("all_classification_pipeline");
        var second = await _client.GetOrCreateExperimentAsync("all_classification_pipeline");

        Assert.Equal("1", first);
        Assert.Equal(first, second);
        Assert.Equal(
            [
                "GET /api/2.0/mlflow/experiments/get-by-name",
                "POST /api/2.0/mlflow/experiments/create",
                "GET /api/2.0/mlflow/experiments/get-by-name",
            ],
            _server.Requests.Select(r => r.Line));
        Assert.Equal("?experiment_name=all_classification_pipeline", _server.Requests[0].Query);
        Assert.Equal("""{"name":"all_classification_pipeline"}""", _server.Requests[1].Body!.ToJsonString());
    }

    [Fact]
    public async Task Run_is_created_with_start_time_and_tags_then_finished_with_end_time()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_000));
        var client = new MlflowClient(new HttpClient { BaseAddress = _server.BaseAddress }, time);
        var experiment = await client.GetOrCreateExperimentAsync("e");

        var run = await client.CreateRunAsync(experiment, "pipeline-run", new Dictionary<string, string> { ["mlflow.source.git.commit"] = "abc123" });
        time.Advance(TimeSpan.FromSeconds(5));
        var info = await client.UpdateRunAsync(run.Info.RunId, MlflowRunStatus.Finished);

        Assert.Equal($"mlflow-artifacts:/{experiment}/{run.Info.RunId}/artifacts", run.Info.ArtifactUri);
        Assert.Equal(MlflowRunStatus.Running, run.Info.Status);
        Assert.Equal(MlflowRunStatus.Finished, info.Status);
        Assert.Equal(1_750_000_005_000, info.EndTime);
        var create = _server.Requests.Single(r => r.Path.EndsWith("runs/create", StringComparison.Ordinal)).Body!;
        Assert.Equal(
            $$"""{"experiment_id":"{{experiment}}","start_time":1750000000000,"run_name":"pipeline-run","tags":[{"key":"mlflow.source.git.commit","value":"abc123"}]}""",
            create.ToJsonString());
        var update = _server.Requests.Single(r => r.Path.EndsWith("runs/update", StringComparison.Ordinal)).Body!;
        Assert.Equal($$"""{"run_id":"{{run.Info.RunId}}","status":"FINISHED","end_time":1750000005000}""", update.ToJsonString());

        var fetched = await client.GetRunAsync(run.Info.RunId);
        Assert.Equal(MlflowRunStatus.Finished, fetched.Info.Status);
        Assert.Contains(fetched.Data!.Tags!, t => t is { Key: "mlflow.source.git.commit", Value: "abc123" });
    }

    [Fact]
    public async Task Running_status_carries_no_end_time()
    {
        var run = await _client.CreateRunAsync(await _client.GetOrCreateExperimentAsync("e"), null);
        await _client.UpdateRunAsync(run.Info.RunId, MlflowRunStatus.Running);
        var update = _server.Requests.Last().Body!.AsObject();
        Assert.False(update.ContainsKey("end_time"));
    }

    [Fact]
    public async Task Log_batch_is_split_to_respect_mlflow_limits()
    {
        var run = await _client.CreateRunAsync(await _client.GetOrCreateExperimentAsync("e"), null);
        var metrics = Enumerable.Range(0, 2500).Select(i => new MlflowMetric("loss", 1.0 / (i + 1), _client.Now(), i)).ToList();
        var parameters = Enumerable.Range(0, 150).ToDictionary(i => $"p{i}", i => i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var tags = Enumerable.Range(0, 30).ToDictionary(i => $"t{i}", i => "x");
        _server.ClearRequests();

        await _client.LogBatchAsync(run.Info.RunId, metrics, parameters, tags);

        var batches = _server.Requests.Select(r => r.Body!.AsObject()).ToList();
        Assert.All(_server.Requests, r => Assert.Equal("POST /api/2.0/mlflow/runs/log-batch", r.Line));
        int Count(JsonObject body, string field) => body[field]?.AsArray().Count ?? 0;
        Assert.Equal([(870, 100, 30), (950, 50, 0), (680, 0, 0)], batches.Select(b => (Count(b, "metrics"), Count(b, "params"), Count(b, "tags"))));
        Assert.All(batches.SelectMany(b => b["metrics"]!.AsArray()), m =>
        {
            Assert.NotNull(m!["timestamp"]);
            Assert.NotNull(m["step"]);
        });
        var stored = _server.Run(run.Info.RunId);
        Assert.Equal(2500, stored.Metrics.Count);
        Assert.Equal(Enumerable.Range(0, 2500).Select(i => (long)i), stored.Metrics.Select(m => m.Step));
        Assert.Equal(150, stored.Params.Count);
    }

    [Fact]
    public async Task Metric_without_timestamp_is_refused_before_sending()
    {
        var run = await _client.CreateRunAsync(await _client.GetOrCreateExperimentAsync("e"), null);
        _server.ClearRequests();
        await Assert.ThrowsAsync<ArgumentException>(() => _client.LogBatchAsync(run.Info.RunId, [new MlflowMetric("loss", 1, 0, 0)]));
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Params_are_immutable_same_value_is_accepted_a_change_is_a_clear_error_and_not_retried()
    {
        var run = await _client.CreateRunAsync(await _client.GetOrCreateExperimentAsync("e"), null);
        await _client.LogBatchAsync(run.Info.RunId, parameters: new Dictionary<string, string> { ["seed"] = "42" });
        await _client.LogBatchAsync(run.Info.RunId, parameters: new Dictionary<string, string> { ["seed"] = "42" });
        _server.ClearRequests();

        var error = await Assert.ThrowsAsync<MlflowException>(
            () => _client.LogBatchAsync(run.Info.RunId, parameters: new Dictionary<string, string> { ["seed"] = "7" }));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal("INVALID_PARAMETER_VALUE", error.ErrorCode);
        Assert.StartsWith($"MLflow POST {_server.BaseAddress}api/2.0/mlflow/runs/log-batch answered 400 INVALID_PARAMETER_VALUE: Changing param values", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Single(_server.Requests);
        Assert.Equal("42", _server.Run(run.Info.RunId).Params["seed"]);
    }

    [Fact]
    public async Task NaN_metric_travels_as_the_string_NaN()
    {
        var run = await _client.CreateRunAsync(await _client.GetOrCreateExperimentAsync("e"), null);
        await _client.LogBatchAsync(run.Info.RunId, [new MlflowMetric("val_loss", double.NaN, _client.Now(), 3)]);

        Assert.Equal("NaN", _server.Requests.Last().Body!["metrics"]![0]!["value"]!.GetValue<string>());
        var fetched = await _client.GetRunAsync(run.Info.RunId);
        Assert.True(double.IsNaN(fetched.Data!.Metrics!.Single().Value));
    }

    [Fact]
    public async Task Artifacts_upload_to_the_proxied_store_and_download_byte_identical()
    {
        var run = await _client.CreateRunAsync(await _client.GetOrCreateExperimentAsync("e"), null);
        var content = new byte[100_000];
        new Random(7).NextBytes(content);
        using var directory = new TempDirectory();
        var local = Path.Combine(directory.Path, "model.onnx");
        await File.WriteAllBytesAsync(local, content);
        _server.ClearRequests();

        await _client.UploadArtifactAsync(run.Info.ArtifactUri, "model/model.onnx", local);
        var copy = Path.Combine(directory.Path, "cache", "downloaded.onnx");
        await _client.DownloadArtifactToFileAsync($"{run.Info.ArtifactUri}/model", "model.onnx", copy);

        var expectedPath = $"/api/2.0/mlflow-artifacts/artifacts/{run.Info.ExperimentId}/{run.Info.RunId}/artifacts/model/model.onnx";
        Assert.Equal([$"PUT {expectedPath}", $"GET {expectedPath}"], _server.Requests.Select(r => r.Line));
        Assert.Equal(content, _server.Requests[0].RawBody);
        Assert.Equal(content, await File.ReadAllBytesAsync(copy));
        Assert.Equal(["downloaded.onnx"], Directory.GetFiles(Path.GetDirectoryName(copy)!).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Missing_artifact_download_fails_and_leaves_no_file()
    {
        using var directory = new TempDirectory();
        var target = Path.Combine(directory.Path, "model.onnx");
        var (client, services) = MlflowTestClients.Create(_server.BaseAddress, maxRetryAttempts: 1);
        await using var _ = services;

        var error = await Assert.ThrowsAsync<MlflowException>(() => client.DownloadArtifactToFileAsync("mlflow-artifacts:/1/none/artifacts", "model/model.onnx", target));

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Empty(Directory.GetFileSystemEntries(directory.Path));
    }

    [Fact]
    public async Task Registered_model_creation_is_idempotent()
    {
        Assert.True(await _client.EnsureRegisteredModelAsync("all-classifier"));
        Assert.False(await _client.EnsureRegisteredModelAsync("all-classifier"));
        Assert.Equal(2, _server.Requests.Count(r => r.Line == "POST /api/2.0/mlflow/registered-models/create"));
    }

    [Fact]
    public async Task Model_version_is_polled_until_ready_and_alias_is_set_with_a_string_version()
    {
        var run = await _client.CreateRunAsync(await _client.GetOrCreateExperimentAsync("e"), null);
        await _client.EnsureRegisteredModelAsync("all-classifier");
        _server.PendingPolls = 2;
        _server.ClearRequests();

        Assert.Null(await _client.GetModelVersionByAliasAsync("all-classifier", "champion"));
        var created = await _client.CreateModelVersionAsync("all-classifier", $"{run.Info.ArtifactUri}/model", run.Info.RunId);
        var ready = await _client.WaitUntilReadyAsync(created, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(5));
        await _client.SetAliasAsync("all-classifier", "champion", ready.Number);
        var champion = await _client.GetModelVersionByAliasAsync("all-classifier", "champion");
        var model = await _client.GetRegisteredModelAsync("all-classifier");

        Assert.Equal(MlflowModelVersionStatus.PendingRegistration, created.Status);
        Assert.Equal(MlflowModelVersionStatus.Ready, ready.Status);
        Assert.Equal(
            [
                "GET /api/2.0/mlflow/registered-models/alias",
                "POST /api/2.0/mlflow/model-versions/create",
                "GET /api/2.0/mlflow/model-versions/get",
                "GET /api/2.0/mlflow/model-versions/get",
                "POST /api/2.0/mlflow/registered-models/alias",
                "GET /api/2.0/mlflow/registered-models/alias",
                "GET /api/2.0/mlflow/registered-models/get",
            ],
            _server.Requests.Select(r => r.Line));
        Assert.Equal(
            $$"""{"name":"all-classifier","source":"mlflow-artifacts:/1/{{run.Info.RunId}}/artifacts/model","run_id":"{{run.Info.RunId}}"}""",
            _server.Requests[1].Body!.ToJsonString());
        Assert.Equal("?name=all-classifier&version=1", _server.Requests[2].Query);
        Assert.Equal("""{"name":"all-classifier","alias":"champion","version":"1"}""", _server.Requests[4].Body!.ToJsonString());
        Assert.Equal(1, champion!.Number);
        Assert.Equal(["champion"], champion.Aliases);
        Assert.Equal([new MlflowRegisteredModelAlias("champion", "1")], model!.Aliases);
    }

    [Fact]
    public async Task Alias_of_an_unknown_model_is_not_set()
    {
        Assert.Null(await _client.GetModelVersionByAliasAsync("nobody", "champion"));
    }

    [Fact]
    public async Task Waiting_for_a_version_gives_up_at_the_deadline()
    {
        // A fake clock decides when the deadline passes, so a slow machine cannot skip the polls before it.
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_000));
        var client = new MlflowClient(new HttpClient { BaseAddress = _server.BaseAddress }, time);
        var run = await client.CreateRunAsync(await client.GetOrCreateExperimentAsync("e"), null);
        await client.EnsureRegisteredModelAsync("m");
        _server.PendingPolls = int.MaxValue;
        var created = await client.CreateModelVersionAsync("m", $"{run.Info.ArtifactUri}/model", run.Info.RunId);
        var poll = TimeSpan.FromSeconds(10);

        var waiting = client.WaitUntilReadyAsync(created, TimeSpan.FromSeconds(30), poll);
        var realDeadline = DateTime.UtcNow.AddSeconds(60);
        while (!waiting.IsCompleted && DateTime.UtcNow < realDeadline)
        {
            time.Advance(poll);
            await Task.WhenAny(waiting, Task.Delay(10));
        }

        var error = await Assert.ThrowsAsync<TimeoutException>(() => waiting);
        Assert.Contains("PENDING_REGISTRATION", error.Message);
        Assert.InRange(_server.Requests.Count(r => r.Path.EndsWith("model-versions/get", StringComparison.Ordinal)), 1, 4);
    }

    [Fact]
    public async Task Missing_run_is_an_error_naming_url_and_code()
    {
        var error = await Assert.ThrowsAsync<MlflowException>(() => _client.GetRunAsync("nope"));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal("RESOURCE_DOES_NOT_EXIST", error.ErrorCode);
        Assert.Equal($"MLflow GET {_server.BaseAddress}api/2.0/mlflow/runs/get?run_id=nope answered 404 RESOURCE_DOES_NOT_EXIST: Run 'nope' not found", error.Message);
    }

    [Fact]
    public async Task A_server_that_is_not_mlflow_is_reported_as_such()
    {
        var (client, services) = MlflowTestClients.Create(new Uri(_server.BaseAddress, "not-mlflow/"));
        await using var _ = services;

        var error = await Assert.ThrowsAsync<MlflowException>(() => client.GetRunAsync("x"));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Null(error.ErrorCode);
        Assert.Contains("no such MLflow REST endpoint", error.Message);
        Assert.Equal("/not-mlflow/api/2.0/mlflow/runs/get", _server.Requests.Single().Path);
    }

    [Fact]
    public async Task A_503_is_retried_with_the_same_body()
    {
        var run = await _client.CreateRunAsync(await _client.GetOrCreateExperimentAsync("e"), null);
        _server.FailNext("POST", "runs/log-batch", HttpStatusCode.ServiceUnavailable);
        _server.ClearRequests();

        await _client.LogBatchAsync(run.Info.RunId, parameters: new Dictionary<string, string> { ["head"] = "softmax" });

        Assert.Equal(2, _server.Requests.Count);
        Assert.Equal(_server.Requests[0].Body!.ToJsonString(), _server.Requests[1].Body!.ToJsonString());
        Assert.Equal("softmax", _server.Run(run.Info.RunId).Params["head"]);
    }

    [Fact]
    public async Task A_503_on_an_artifact_upload_resends_the_whole_file()
    {
        var run = await _client.CreateRunAsync(await _client.GetOrCreateExperimentAsync("e"), null);
        using var directory = new TempDirectory();
        var local = Path.Combine(directory.Path, "metrics.json");
        await File.WriteAllTextAsync(local, """{"accuracy":0.95}""");
        _server.FailNext("PUT", "metrics.json", HttpStatusCode.ServiceUnavailable, times: 2);
        _server.ClearRequests();

        await _client.UploadArtifactAsync(run.Info.ArtifactUri, "metrics.json", local);

        Assert.Equal(3, _server.Requests.Count);
        Assert.All(_server.Requests, r => Assert.Equal("""{"accuracy":0.95}"""u8.ToArray(), r.RawBody));
        Assert.Equal("""{"accuracy":0.95}"""u8.ToArray(), _server.Artifacts[$"{run.Info.ExperimentId}/{run.Info.RunId}/artifacts/metrics.json"]);
    }

    [Fact]
    public async Task Persistent_503_gives_up_after_the_configured_retries()
    {
        _server.FailNext("GET", "runs/get", HttpStatusCode.ServiceUnavailable, times: 10);

        var error = await Assert.ThrowsAsync<MlflowException>(() => _client.GetRunAsync("x"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal(4, _server.Requests.Count);
    }

    [Fact]
    public async Task Resilience_added_for_all_clients_is_replaced_not_stacked()
    {
        var services = new ServiceCollection();
        // What Aspire service defaults do for every HttpClient of a host.
        services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
        services.AddMlflowClient(_server.BaseAddress, resilience =>
        {
            resilience.Retry.MaxRetryAttempts = 1;
            resilience.Retry.Delay = TimeSpan.Zero;
        });
        await using var provider = services.BuildServiceProvider();
        _server.FailNext("GET", "runs/get", HttpStatusCode.ServiceUnavailable, times: 10);

        await Assert.ThrowsAsync<MlflowException>(() => provider.GetRequiredService<MlflowClient>().GetRunAsync("x"));

        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task Unreachable_server_is_reported_as_unreachable()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var (client, services) = MlflowTestClients.Create(new Uri($"http://127.0.0.1:{port}/"), maxRetryAttempts: 1);
        await using var _ = services;

        var error = await Assert.ThrowsAsync<MlflowException>(() => client.GetModelVersionByAliasAsync("all-classifier", "champion"));

        Assert.True(error.IsUnreachable);
        Assert.StartsWith($"MLflow GET http://127.0.0.1:{port}/api/2.0/mlflow/registered-models/alias?name=all-classifier&alias=champion could not be reached", error.Message);
    }

    [Fact]
    public async Task Post_bodies_are_json_with_a_content_length()
    {
        await _client.GetOrCreateExperimentAsync("e");
        // The fake server refuses POSTs without application/json, as MLflow does; reaching create proves it was set.
        Assert.NotNull(_server.Requests.Single(r => r.Method == "POST").Body);
    }
}
