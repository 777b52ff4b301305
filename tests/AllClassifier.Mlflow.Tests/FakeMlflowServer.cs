using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AllClassifier.Tests.Mlflow;

/// <summary>One request as the fake server saw it.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, JsonNode? Body, byte[] RawBody)
{
    public string Line => $"{Method} {Path}";

    public override string ToString() => $"{Line}{Query} {Body?.ToJsonString()}";
}

/// <summary>
/// An in-process MLflow tracking server (Kestrel on 127.0.0.1, free port) implementing the REST subset the
/// AllClassifier client uses, answering as MLflow 2.x does: <c>{"error_code","message"}</c> bodies, 404
/// RESOURCE_DOES_NOT_EXIST for missing experiments/runs/models/versions, 400 RESOURCE_ALREADY_EXISTS for
/// duplicates, 400 INVALID_PARAMETER_VALUE for a missing alias, a non-string alias version, a changed param, a
/// metric without timestamp or a log-batch over its limits; artifact GETs streamed chunked as octet-stream;
/// unknown routes an HTML 404. Every request is recorded. Artifacts are files on disk where MLflow's proxied
/// artifact store keeps them, <see cref="ArtifactRoot"/><c>/&lt;experiment&gt;/&lt;run&gt;/artifacts/…</c>; a model
/// version's <c>source</c> names a folder inside that (the trainer's <c>…/artifacts/model</c>), so a file logged
/// at the run's root is not under it. Started with <c>serveArtifacts: false</c> it behaves like
/// <c>mlflow server --no-serve-artifacts</c>: artifact locations are plain paths the REST API does not serve.
/// </summary>
public sealed class FakeMlflowServer : IAsyncDisposable
{
    private const string Api = "/api/2.0/mlflow/";
    private const string ArtifactsApi = "/api/2.0/mlflow-artifacts/artifacts/";

    private readonly WebApplication _app;
    private readonly object _gate = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<(string Method, string PathSuffix, int Status)> _faults = [];
    private readonly Dictionary<string, (string Name, string ArtifactLocation)> _experiments = [];
    private readonly Dictionary<string, FakeRun> _runs = [];
    private readonly string _artifactLocationRoot;
    private readonly Dictionary<string, FakeRegisteredModel> _models = [];
    private long _clock = 1_700_000_000_000;
    private int _runCounter;

    private FakeMlflowServer(WebApplication app, bool serveArtifacts)
    {
        _app = app;
        ArtifactRoot = Directory.CreateTempSubdirectory("fake-mlflow-artifacts-").FullName;
        _artifactLocationRoot = serveArtifacts ? "mlflow-artifacts:" : "./mlruns";
        _experiments["0"] = ("Default", $"{_artifactLocationRoot}/0");
    }

    /// <summary>The proxied artifact store's folder (MLflow's <c>--artifacts-destination</c>).</summary>
    public string ArtifactRoot { get; }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>How many <c>model-versions/get</c> calls answer PENDING_REGISTRATION before READY (0: create answers READY).</summary>
    public int PendingPolls { get; set; }

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Every stored artifact by its path in the store (<c>1/&lt;run&gt;/artifacts/model/model.onnx</c>).</summary>
    public IReadOnlyDictionary<string, byte[]> Artifacts =>
        Directory.EnumerateFiles(ArtifactRoot, "*", SearchOption.AllDirectories)
            .ToDictionary(file => Path.GetRelativePath(ArtifactRoot, file).Replace(Path.DirectorySeparatorChar, '/'), File.ReadAllBytes);

    public FakeRun Run(string runId)
    {
        lock (_gate)
        {
            return _runs[runId];
        }
    }

    public IReadOnlyList<FakeRun> Runs
    {
        get
        {
            lock (_gate)
            {
                return [.. _runs.Values];
            }
        }
    }

    public IReadOnlyDictionary<string, string> Aliases(string model)
    {
        lock (_gate)
        {
            return _models.TryGetValue(model, out var m) ? new Dictionary<string, string>(m.Aliases) : new Dictionary<string, string>();
        }
    }

    public void ClearRequests()
    {
        lock (_gate)
        {
            _requests.Clear();
        }
    }

    /// <summary>The next <paramref name="times"/> requests whose path ends with <paramref name="pathSuffix"/> get a bare <paramref name="status"/>.</summary>
    public void FailNext(string method, string pathSuffix, HttpStatusCode status, int times = 1)
    {
        lock (_gate)
        {
            for (var i = 0; i < times; i++)
            {
                _faults.Add((method, pathSuffix, (int)status));
            }
        }
    }

    public static async Task<FakeMlflowServer> StartAsync(bool serveArtifacts = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.MaxRequestBodySize = null; // model files are tens of MB; MLflow sets no limit either
        });
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeMlflowServer(app, serveArtifacts);
        server.Map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (Directory.Exists(ArtifactRoot))
        {
            Directory.Delete(ArtifactRoot, recursive: true);
        }
    }

    private long Tick() => Interlocked.Increment(ref _clock);

    /// <summary>The file behind a store path; like MLflow, refuses paths that leave the store.</summary>
    private string StoreFile(string storePath)
    {
        var root = Path.GetFullPath(ArtifactRoot);
        var full = Path.GetFullPath(Path.Combine(root, storePath.Trim('/')));
        if (full != root && !full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new BadHttpRequestException($"Invalid path: {storePath}");
        }

        return full;
    }

    private void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            context.Request.EnableBuffering();
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            context.Request.Body.Position = 0;
            var raw = buffer.ToArray();
            JsonNode? json = null;
            if (context.Request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) == true && raw.Length > 0)
            {
                try
                {
                    json = JsonNode.Parse(raw);
                }
                catch (JsonException)
                {
                }
            }

            context.Items[typeof(JsonNode)] = json;
            (string Method, string PathSuffix, int Status)? fault = null;
            var path = context.Request.Path.Value ?? "";
            lock (_gate)
            {
                _requests.Add(new RecordedRequest(context.Request.Method, path, context.Request.QueryString.Value ?? "", json, raw));
                var index = _faults.FindIndex(f => f.Method == context.Request.Method && path.EndsWith(f.PathSuffix, StringComparison.Ordinal));
                if (index >= 0)
                {
                    fault = _faults[index];
                    _faults.RemoveAt(index);
                }
            }

            if (fault is { } f)
            {
                context.Response.StatusCode = f.Status;
                context.Response.ContentType = "text/html";
                await context.Response.WriteAsync($"<html><body><h1>{f.Status}</h1></body></html>");
                return;
            }

            if (context.Request.Method == "POST" && path.StartsWith(Api, StringComparison.Ordinal)
                && context.Request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) != true)
            {
                await Error(StatusCodes.Status400BadRequest, "INVALID_PARAMETER_VALUE", "Bad Request. Content-Type must be one of ['application/json'].").ExecuteAsync(context);
                return;
            }

            await next(context);
        });

        app.MapGet("/health", () => Results.Text("OK"));

        app.MapGet(Api + "experiments/get-by-name", (string? experiment_name) =>
        {
            lock (_gate)
            {
                var found = _experiments.FirstOrDefault(e => e.Value.Name == experiment_name);
                return found.Key is null
                    ? Error(404, "RESOURCE_DOES_NOT_EXIST", $"Could not find experiment with name '{experiment_name}'")
                    : Ok(new JsonObject { ["experiment"] = ExperimentJson(found.Key) });
            }
        });

        app.MapPost(Api + "experiments/create", (HttpContext context) =>
        {
            var body = BodyOf(context);
            if (Str(body, "name") is not { } name)
            {
                return Missing("name");
            }

            lock (_gate)
            {
                if (_experiments.Values.Any(e => e.Name == name))
                {
                    return Error(400, "RESOURCE_ALREADY_EXISTS", $"Experiment '{name}' already exists.");
                }

                var id = _experiments.Count.ToString(CultureInfo.InvariantCulture);
                _experiments[id] = (name, $"{_artifactLocationRoot}/{id}");
                return Ok(new JsonObject { ["experiment_id"] = id });
            }
        });

        app.MapPost(Api + "runs/create", (HttpContext context) =>
        {
            var body = BodyOf(context);
            var experimentId = Str(body, "experiment_id") ?? "0";
            lock (_gate)
            {
                if (!_experiments.TryGetValue(experimentId, out var experiment))
                {
                    return Error(404, "RESOURCE_DOES_NOT_EXIST", $"No Experiment with id={experimentId} exists");
                }

                var runId = (++_runCounter).ToString("x32", CultureInfo.InvariantCulture);
                var run = new FakeRun
                {
                    RunId = runId,
                    ExperimentId = experimentId,
                    RunName = Str(body, "run_name") ?? $"run-{_runCounter}",
                    StartTime = Long(body, "start_time") ?? Tick(),
                    ArtifactUri = $"{experiment.ArtifactLocation}/{runId}/artifacts",
                };
                foreach (var tag in body?["tags"]?.AsArray() ?? [])
                {
                    run.Tags[Str(tag, "key")!] = Str(tag, "value") ?? "";
                }

                if (run.Tags.TryGetValue("mlflow.runName", out var tagged) && Str(body, "run_name") is { } named && tagged != named)
                {
                    return Error(400, "INVALID_PARAMETER_VALUE",
                        $"Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='{named}', mlflow.runName='{tagged}').");
                }

                run.Tags["mlflow.runName"] = run.RunName;
                _runs[runId] = run;
                return Ok(new JsonObject { ["run"] = RunJson(run) });
            }
        });

        app.MapGet(Api + "runs/get", (string? run_id) =>
        {
            lock (_gate)
            {
                return run_id is not null && _runs.TryGetValue(run_id, out var run)
                    ? Ok(new JsonObject { ["run"] = RunJson(run) })
                    : Error(404, "RESOURCE_DOES_NOT_EXIST", $"Run '{run_id}' not found");
            }
        });

        app.MapPost(Api + "runs/update", (HttpContext context) =>
        {
            var body = BodyOf(context);
            var runId = Str(body, "run_id") ?? Str(body, "run_uuid");
            lock (_gate)
            {
                if (runId is null || !_runs.TryGetValue(runId, out var run))
                {
                    return Error(404, "RESOURCE_DOES_NOT_EXIST", $"Run '{runId}' not found");
                }

                if (Str(body, "status") is { } status)
                {
                    if (status is not ("RUNNING" or "SCHEDULED" or "FINISHED" or "FAILED" or "KILLED"))
                    {
                        return Error(400, "INVALID_PARAMETER_VALUE", $"Invalid value \"{status}\" for parameter 'status' supplied.");
                    }

                    run.Status = status;
                }

                run.EndTime = Long(body, "end_time") ?? run.EndTime;
                return Ok(new JsonObject { ["run_info"] = RunInfoJson(run) });
            }
        });

        app.MapPost(Api + "runs/log-batch", (HttpContext context) =>
        {
            var body = BodyOf(context);
            var runId = Str(body, "run_id");
            var metrics = body?["metrics"]?.AsArray() ?? [];
            var parameters = body?["params"]?.AsArray() ?? [];
            var tags = body?["tags"]?.AsArray() ?? [];
            if (metrics.Count > 1000 || parameters.Count > 100 || tags.Count > 100 || metrics.Count + parameters.Count + tags.Count > 1000)
            {
                return Error(400, "INVALID_PARAMETER_VALUE",
                    $"A batch logging request can contain at most 1000 metrics, 100 params, 100 tags and 1000 entities; got {metrics.Count}, {parameters.Count}, {tags.Count}.");
            }

            for (var i = 0; i < metrics.Count; i++)
            {
                foreach (var field in new[] { "key", "value", "timestamp" })
                {
                    if (metrics[i]?[field] is null)
                    {
                        return Missing($"metrics[{i}].{field}");
                    }
                }
            }

            lock (_gate)
            {
                if (runId is null || !_runs.TryGetValue(runId, out var run))
                {
                    return Error(404, "RESOURCE_DOES_NOT_EXIST", $"Run '{runId}' not found");
                }

                foreach (var p in parameters)
                {
                    var key = Str(p, "key")!;
                    var value = Str(p, "value") ?? "";
                    if (run.Params.TryGetValue(key, out var old) && old != value)
                    {
                        return Error(400, "INVALID_PARAMETER_VALUE",
                            $"Changing param values is not allowed. Param with key='{key}' was already logged with value='{old}' for run ID='{runId}'. Attempted logging new value '{value}'.");
                    }
                }

                foreach (var p in parameters)
                {
                    run.Params[Str(p, "key")!] = Str(p, "value") ?? "";
                }

                foreach (var t in tags)
                {
                    run.Tags[Str(t, "key")!] = Str(t, "value") ?? "";
                }

                foreach (var m in metrics)
                {
                    var valueNode = m!["value"]!;
                    var value = valueNode.GetValueKind() == JsonValueKind.String
                        ? double.Parse(valueNode.GetValue<string>(), CultureInfo.InvariantCulture)
                        : valueNode.GetValue<double>();
                    run.Metrics.Add(new FakeMetric(Str(m, "key")!, value, Long(m, "timestamp")!.Value, Long(m, "step") ?? 0));
                }

                return Ok([]);
            }
        });

        app.MapGet(ArtifactsApi.TrimEnd('/'), (string? path) =>
        {
            var directory = new DirectoryInfo(StoreFile(path ?? ""));
            var entries = directory.Exists
                ? directory.EnumerateFileSystemInfos()
                    .OrderBy(entry => entry.Name, StringComparer.Ordinal)
                    .Select(entry => entry is FileInfo file
                        ? new JsonObject { ["path"] = file.Name, ["is_dir"] = false, ["file_size"] = file.Length }
                        : new JsonObject { ["path"] = entry.Name, ["is_dir"] = true })
                    .Select(o => (JsonNode)o)
                    .ToArray()
                : [];
            // An empty listing is an empty object: MLflow omits empty fields.
            return Ok(entries.Length == 0 ? [] : new JsonObject { ["files"] = new JsonArray(entries) });
        });

        app.MapPut(ArtifactsApi + "{**path}", async (string path, HttpContext context) =>
        {
            var file = StoreFile(path);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await using (var stored = File.Create(file))
            {
                await context.Request.Body.CopyToAsync(stored);
            }

            return Ok([]);
        });

        app.MapGet(ArtifactsApi + "{**path}", async (string path, HttpContext context) =>
        {
            var file = StoreFile(path);
            if (!File.Exists(file))
            {
                // MLflow 2.10 answers a missing artifact with a server error page.
                context.Response.StatusCode = 500;
                context.Response.ContentType = "text/html";
                await context.Response.WriteAsync("<!doctype html><title>500 Internal Server Error</title>");
                return;
            }

            var content = await File.ReadAllBytesAsync(file);
            context.Response.ContentType = "application/octet-stream";
            // No Content-Length: written in pieces, so Kestrel sends it chunked like MLflow does.
            for (var offset = 0; offset < content.Length; offset += 8192)
            {
                await context.Response.Body.WriteAsync(content.AsMemory(offset, Math.Min(8192, content.Length - offset)));
                await context.Response.Body.FlushAsync();
            }
        });

        app.MapPost(Api + "registered-models/create", (HttpContext context) =>
        {
            var body = BodyOf(context);
            if (Str(body, "name") is not { } name)
            {
                return Missing("name");
            }

            lock (_gate)
            {
                if (_models.ContainsKey(name))
                {
                    return Error(400, "RESOURCE_ALREADY_EXISTS", $"Registered Model (name={name}) already exists.");
                }

                var model = new FakeRegisteredModel(name, Tick());
                _models[name] = model;
                return Ok(new JsonObject { ["registered_model"] = RegisteredModelJson(model) });
            }
        });

        app.MapGet(Api + "registered-models/get", (string? name) =>
        {
            lock (_gate)
            {
                return name is not null && _models.TryGetValue(name, out var model)
                    ? Ok(new JsonObject { ["registered_model"] = RegisteredModelJson(model) })
                    : Error(404, "RESOURCE_DOES_NOT_EXIST", $"Registered Model with name={name} not found");
            }
        });

        app.MapPost(Api + "model-versions/create", (HttpContext context) =>
        {
            var body = BodyOf(context);
            if (Str(body, "name") is not { } name)
            {
                return Missing("name");
            }

            if (Str(body, "source") is not { } source)
            {
                return Missing("source");
            }

            lock (_gate)
            {
                if (!_models.TryGetValue(name, out var model))
                {
                    return Error(404, "RESOURCE_DOES_NOT_EXIST", $"Registered Model with name={name} not found");
                }

                var version = new FakeModelVersion(model.Versions.Count + 1, source, Str(body, "run_id"), Tick()) { PendingPollsLeft = PendingPolls };
                model.Versions.Add(version);
                return Ok(new JsonObject { ["model_version"] = VersionJson(model, version) });
            }
        });

        app.MapGet(Api + "model-versions/get", (string? name, string? version) =>
        {
            lock (_gate)
            {
                if (FindVersion(name, version) is not { } found)
                {
                    return Error(404, "RESOURCE_DOES_NOT_EXIST", $"Model Version (name={name}, version={version}) not found");
                }

                if (found.Version.PendingPollsLeft > 0)
                {
                    found.Version.PendingPollsLeft--;
                }

                return Ok(new JsonObject { ["model_version"] = VersionJson(found.Model, found.Version) });
            }
        });

        app.MapPost(Api + "registered-models/alias", (HttpContext context) =>
        {
            var body = BodyOf(context);
            var name = Str(body, "name");
            var alias = Str(body, "alias");
            var versionNode = body?["version"];
            if (versionNode is null || versionNode.GetValueKind() != JsonValueKind.String)
            {
                return Error(400, "INVALID_PARAMETER_VALUE", "Invalid value for parameter 'version' supplied: expected a string.");
            }

            if (alias is null)
            {
                return Missing("alias");
            }

            lock (_gate)
            {
                if (FindVersion(name, versionNode.GetValue<string>()) is not { } found)
                {
                    return Error(404, "RESOURCE_DOES_NOT_EXIST", $"Model Version (name={name}, version={versionNode.GetValue<string>()}) not found");
                }

                found.Model.Aliases[alias] = found.Version.Number.ToString(CultureInfo.InvariantCulture);
                return Ok([]);
            }
        });

        app.MapGet(Api + "registered-models/alias", (string? name, string? alias) =>
        {
            lock (_gate)
            {
                if (name is null || !_models.TryGetValue(name, out var model))
                {
                    return Error(404, "RESOURCE_DOES_NOT_EXIST", $"Registered Model with name={name} not found");
                }

                if (alias is null || !model.Aliases.TryGetValue(alias, out var version))
                {
                    return Error(400, "INVALID_PARAMETER_VALUE", $"Registered model alias {alias} not found.");
                }

                var found = FindVersion(name, version)!.Value;
                return Ok(new JsonObject { ["model_version"] = VersionJson(found.Model, found.Version) });
            }
        });

        app.MapFallback(async context =>
        {
            context.Response.StatusCode = 404;
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.WriteAsync(
                "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server.</p>\n");
        });
    }

    private (FakeRegisteredModel Model, FakeModelVersion Version)? FindVersion(string? name, string? version)
    {
        if (name is null || !_models.TryGetValue(name, out var model)
            || !int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return null;
        }

        var found = model.Versions.FirstOrDefault(v => v.Number == number);
        return found is null ? null : (model, found);
    }

    private JsonObject ExperimentJson(string id) => new()
    {
        ["experiment_id"] = id,
        ["name"] = _experiments[id].Name,
        ["artifact_location"] = _experiments[id].ArtifactLocation,
        ["lifecycle_stage"] = "active",
    };

    private static JsonObject RunInfoJson(FakeRun run)
    {
        var info = new JsonObject
        {
            ["run_uuid"] = run.RunId,
            ["run_id"] = run.RunId,
            ["run_name"] = run.RunName,
            ["experiment_id"] = run.ExperimentId,
            ["user_id"] = "",
            ["status"] = run.Status,
            ["start_time"] = run.StartTime,
            ["artifact_uri"] = run.ArtifactUri,
            ["lifecycle_stage"] = "active",
        };
        if (run.EndTime is { } end)
        {
            info["end_time"] = end;
        }

        return info;
    }

    private static JsonObject RunJson(FakeRun run)
    {
        var data = new JsonObject();
        if (run.Metrics.Count > 0)
        {
            // runs/get returns the latest value per key.
            data["metrics"] = new JsonArray([.. run.Metrics.GroupBy(m => m.Key).Select(g => g.MaxBy(m => (m.Step, m.Timestamp))!).Select(m => (JsonNode)new JsonObject
            {
                ["key"] = m.Key,
                ["value"] = double.IsNaN(m.Value) ? JsonValue.Create("NaN") : JsonValue.Create(m.Value),
                ["timestamp"] = m.Timestamp,
                ["step"] = m.Step,
            })]);
        }

        if (run.Params.Count > 0)
        {
            data["params"] = new JsonArray([.. run.Params.Select(p => (JsonNode)new JsonObject { ["key"] = p.Key, ["value"] = p.Value })]);
        }

        if (run.Tags.Count > 0)
        {
            data["tags"] = new JsonArray([.. run.Tags.Select(t => (JsonNode)new JsonObject { ["key"] = t.Key, ["value"] = t.Value })]);
        }

        return new JsonObject { ["info"] = RunInfoJson(run), ["data"] = data, ["inputs"] = new JsonObject() };
    }

    private static JsonObject RegisteredModelJson(FakeRegisteredModel model)
    {
        var json = new JsonObject
        {
            ["name"] = model.Name,
            ["creation_timestamp"] = model.Created,
            ["last_updated_timestamp"] = model.Created,
        };
        if (model.Versions.Count > 0)
        {
            json["latest_versions"] = new JsonArray(VersionJson(model, model.Versions[^1]));
        }

        if (model.Aliases.Count > 0)
        {
            json["aliases"] = new JsonArray([.. model.Aliases.Select(a => (JsonNode)new JsonObject { ["alias"] = a.Key, ["version"] = a.Value })]);
        }

        return json;
    }

    private static JsonObject VersionJson(FakeRegisteredModel model, FakeModelVersion version)
    {
        var json = new JsonObject
        {
            ["name"] = model.Name,
            ["version"] = version.Number.ToString(CultureInfo.InvariantCulture),
            ["creation_timestamp"] = version.Created,
            ["last_updated_timestamp"] = version.Created,
            ["current_stage"] = "None",
            ["source"] = version.Source,
            ["status"] = version.PendingPollsLeft > 0 ? "PENDING_REGISTRATION" : "READY",
        };
        if (version.RunId is not null)
        {
            json["run_id"] = version.RunId;
        }

        var aliases = model.Aliases.Where(a => a.Value == json["version"]!.GetValue<string>()).Select(a => (JsonNode)JsonValue.Create(a.Key)).ToArray();
        if (aliases.Length > 0)
        {
            json["aliases"] = new JsonArray(aliases);
        }

        return json;
    }

    private static JsonNode? BodyOf(HttpContext context) => context.Items[typeof(JsonNode)] as JsonNode;

    private static string? Str(JsonNode? node, string field) =>
        node?[field] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static long? Long(JsonNode? node, string field) => node?[field] switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<long>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => long.Parse(v.GetValue<string>(), CultureInfo.InvariantCulture),
        _ => null,
    };

    private static IResult Ok(JsonObject body) => Results.Content(body.ToJsonString(), "application/json");

    private static IResult Missing(string field) =>
        Error(400, "INVALID_PARAMETER_VALUE", $"Missing value for required parameter '{field}'. See the API docs for more information about request parameters.");

    private static IResult Error(int status, string code, string message) =>
        Results.Content(new JsonObject { ["error_code"] = code, ["message"] = message }.ToJsonString(), "application/json", statusCode: status);
}

public sealed record FakeMetric(string Key, double Value, long Timestamp, long Step);

public sealed class FakeRun
{
    public required string RunId { get; init; }

    public required string ExperimentId { get; init; }

    public required string RunName { get; init; }

    public required string ArtifactUri { get; init; }

    public long StartTime { get; init; }

    public long? EndTime { get; set; }

    public string Status { get; set; } = "RUNNING";

    public Dictionary<string, string> Params { get; } = [];

    public Dictionary<string, string> Tags { get; } = [];

    public List<FakeMetric> Metrics { get; } = [];
}

public sealed class FakeRegisteredModel(string name, long created)
{
    public string Name => name;

    public long Created => created;

    public List<FakeModelVersion> Versions { get; } = [];

    public Dictionary<string, string> Aliases { get; } = [];
}

public sealed class FakeModelVersion(int number, string source, string? runId, long created)
{
    public int Number => number;

    public string Source => source;

    public string? RunId => runId;

    public long Created => created;

    public int PendingPollsLeft { get; set; }
}
