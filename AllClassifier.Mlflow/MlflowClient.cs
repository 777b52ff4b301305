using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AllClassifier.Mlflow;

/// <summary>
/// A typed client for the subset of the MLflow REST API 2.0 that tracking and the model registry need.
/// The <see cref="HttpClient"/>'s <see cref="HttpClient.BaseAddress"/> is the tracking URI; retries and timeouts
/// belong to its handler pipeline (see <see cref="MlflowServiceCollectionExtensions.AddMlflowClient"/>), so every
/// request body here is buffered and can be sent again.
/// </summary>
public sealed class MlflowClient(HttpClient httpClient, TimeProvider timeProvider)
{
    private const string Api = "api/2.0/mlflow/";

    private readonly Uri _trackingUri = WithTrailingSlash(
        httpClient.BaseAddress ?? throw new ArgumentException("The HttpClient needs the MLflow tracking URI as its BaseAddress.", nameof(httpClient)));

    public Uri TrackingUri => _trackingUri;

    public TimeProvider TimeProvider => timeProvider;

    /// <summary>Unix milliseconds now, the unit of every MLflow timestamp.</summary>
    public long Now() => timeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    // ---- experiments ----------------------------------------------------------------------------------------

    public async Task<MlflowExperiment?> GetExperimentByNameAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await GetAsync<ExperimentResponse>($"{Api}experiments/get-by-name?experiment_name={Uri.EscapeDataString(name)}", cancellationToken);
            return response.Experiment;
        }
        catch (MlflowException e) when (e.IsErrorCode(MlflowErrorCodes.ResourceDoesNotExist))
        {
            return null;
        }
    }

    public async Task<string> CreateExperimentAsync(string name, CancellationToken cancellationToken = default)
    {
        var response = await PostAsync<CreateExperimentResponse>($"{Api}experiments/create", new { name }, cancellationToken);
        return response.ExperimentId;
    }

    /// <summary>The id of the named experiment, created when missing (a concurrent creator wins gracefully).</summary>
    public async Task<string> GetOrCreateExperimentAsync(string name, CancellationToken cancellationToken = default)
    {
        if (await GetExperimentByNameAsync(name, cancellationToken) is { } existing)
        {
            return existing.ExperimentId;
        }

        try
        {
            return await CreateExperimentAsync(name, cancellationToken);
        }
        catch (MlflowException e) when (e.IsErrorCode(MlflowErrorCodes.ResourceAlreadyExists))
        {
            return (await GetExperimentByNameAsync(name, cancellationToken))?.ExperimentId
                ?? throw new InvalidOperationException($"MLflow reported experiment '{name}' as existing but cannot find it.", e);
        }
    }

    // ---- runs -----------------------------------------------------------------------------------------------

    public async Task<MlflowRun> CreateRunAsync(
        string experimentId,
        string? runName,
        IReadOnlyDictionary<string, string>? tags = null,
        CancellationToken cancellationToken = default)
    {
        var body = new CreateRunRequest(experimentId, Now(), runName, tags?.Select(t => new MlflowTag(t.Key, t.Value)).ToList());
        var response = await PostAsync<RunResponse>($"{Api}runs/create", body, cancellationToken);
        return response.Run;
    }

    public async Task<MlflowRun> GetRunAsync(string runId, CancellationToken cancellationToken = default) =>
        (await GetAsync<RunResponse>($"{Api}runs/get?run_id={Uri.EscapeDataString(runId)}", cancellationToken)).Run;

    /// <summary>Sets the run's status; terminal states also record <c>end_time</c>.</summary>
    public async Task<MlflowRunInfo> UpdateRunAsync(string runId, MlflowRunStatus status, CancellationToken cancellationToken = default)
    {
        long? endTime = status is MlflowRunStatus.Finished or MlflowRunStatus.Failed or MlflowRunStatus.Killed ? Now() : null;
        var response = await PostAsync<UpdateRunResponse>($"{Api}runs/update", new UpdateRunRequest(runId, status, endTime), cancellationToken);
        return response.RunInfo;
    }

    /// <summary>
    /// Logs metrics, params and tags in as few <c>runs/log-batch</c> calls as MLflow's limits allow
    /// (see <see cref="MlflowBatchLimits"/>). Params are immutable on the server: logging the same value again is
    /// accepted, a different value is refused with <c>INVALID_PARAMETER_VALUE</c>.
    /// </summary>
    public async Task LogBatchAsync(
        string runId,
        IReadOnlyList<MlflowMetric>? metrics = null,
        IReadOnlyDictionary<string, string>? parameters = null,
        IReadOnlyDictionary<string, string>? tags = null,
        CancellationToken cancellationToken = default)
    {
        foreach (var batch in MlflowBatchLimits.Split(
            metrics ?? [],
            parameters?.Select(p => new MlflowParam(p.Key, p.Value)).ToList() ?? [],
            tags?.Select(t => new MlflowTag(t.Key, t.Value)).ToList() ?? []))
        {
            var body = new LogBatchRequest(
                runId,
                batch.Metrics.Count > 0 ? batch.Metrics : null,
                batch.Params.Count > 0 ? batch.Params : null,
                batch.Tags.Count > 0 ? batch.Tags : null);
            await PostAsync<JsonObject>($"{Api}runs/log-batch", body, cancellationToken);
        }
    }

    // ---- artifacts (proxied artifact store) -----------------------------------------------------------------

    /// <summary>Uploads a local file to <c>&lt;artifactUri&gt;/&lt;artifactPath&gt;</c> (e.g. the run's artifact_uri and <c>model/model.onnx</c>).</summary>
    public async Task UploadArtifactAsync(string artifactUri, string artifactPath, string localFile, CancellationToken cancellationToken = default)
    {
        var uri = Resolve(MlflowArtifactUri.ToRestPath(MlflowArtifactUri.Combine(artifactUri, artifactPath)));
        await using var file = new FileStream(localFile, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        // A seekable StreamContent has a Content-Length and rewinds when a retry sends it again.
        using var content = new StreamContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var request = new HttpRequestMessage(HttpMethod.Put, uri) { Content = content };
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
    }

    /// <summary>
    /// Downloads <c>&lt;artifactUri&gt;/&lt;artifactPath&gt;</c> into <paramref name="destination"/>, streaming; an
    /// artifact over <paramref name="maxBytes"/> throws <see cref="InvalidDataException"/> as soon as that many
    /// bytes have arrived (MLflow sends artifacts chunked, so the size is rarely known up front).
    /// </summary>
    public async Task DownloadArtifactAsync(
        string artifactUri, string artifactPath, Stream destination, long maxBytes = long.MaxValue, CancellationToken cancellationToken = default)
    {
        var uri = Resolve(MlflowArtifactUri.ToRestPath(MlflowArtifactUri.Combine(artifactUri, artifactPath)));
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.Content.Headers.ContentLength > maxBytes)
        {
            throw TooLarge(artifactPath, maxBytes);
        }

        await using var source = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > maxBytes)
            {
                throw TooLarge(artifactPath, maxBytes);
            }

            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    /// <summary>
    /// Downloads an artifact to a file, written under a temporary name, flushed to disk and renamed into place
    /// when complete; over <paramref name="maxBytes"/> nothing is kept.
    /// </summary>
    public async Task DownloadArtifactToFileAsync(
        string artifactUri, string artifactPath, string localFile, long maxBytes = long.MaxValue, CancellationToken cancellationToken = default)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(localFile))!;
        Directory.CreateDirectory(directory);
        var partial = Path.Combine(directory, $".{Path.GetFileName(localFile)}.{Guid.NewGuid():N}.partial");
        try
        {
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                await DownloadArtifactAsync(artifactUri, artifactPath, file, maxBytes, cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(partial, localFile, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    private static InvalidDataException TooLarge(string artifactPath, long maxBytes) =>
        new($"The MLflow artifact '{artifactPath}' is larger than the {maxBytes}-byte download limit.");

    /// <summary>The files and directories directly under an artifact directory (names relative to it).</summary>
    public async Task<IReadOnlyList<MlflowArtifactFile>> ListArtifactsAsync(string artifactDirectoryUri, CancellationToken cancellationToken = default)
    {
        var path = MlflowArtifactUri.StorePath(artifactDirectoryUri);
        var response = await GetAsync<ListArtifactsResponse>($"{MlflowArtifactUri.RestRoot}?path={Uri.EscapeDataString(path)}", cancellationToken);
        return response.Files ?? [];
    }

    // ---- model registry -------------------------------------------------------------------------------------

    /// <summary>Creates the registered model; returns false when it already existed (registration is idempotent).</summary>
    public async Task<bool> EnsureRegisteredModelAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            await PostAsync<JsonObject>($"{Api}registered-models/create", new { name }, cancellationToken);
            return true;
        }
        catch (MlflowException e) when (e.IsErrorCode(MlflowErrorCodes.ResourceAlreadyExists))
        {
            return false;
        }
    }

    public async Task<MlflowRegisteredModel?> GetRegisteredModelAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await GetAsync<RegisteredModelResponse>($"{Api}registered-models/get?name={Uri.EscapeDataString(name)}", cancellationToken);
            return response.RegisteredModel;
        }
        catch (MlflowException e) when (e.IsErrorCode(MlflowErrorCodes.ResourceDoesNotExist))
        {
            return null;
        }
    }

    /// <summary>Creates a model version from an artifact directory (e.g. <c>&lt;run artifact_uri&gt;/model</c>) of a run.</summary>
    public async Task<MlflowModelVersion> CreateModelVersionAsync(
        string name,
        string source,
        string? runId,
        string? description = null,
        CancellationToken cancellationToken = default)
    {
        var response = await PostAsync<ModelVersionResponse>(
            $"{Api}model-versions/create", new CreateModelVersionRequest(name, source, runId, description), cancellationToken);
        return response.ModelVersion;
    }

    public async Task<MlflowModelVersion?> GetModelVersionAsync(string name, string version, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await GetAsync<ModelVersionResponse>(
                $"{Api}model-versions/get?name={Uri.EscapeDataString(name)}&version={Uri.EscapeDataString(version)}", cancellationToken);
            return response.ModelVersion;
        }
        catch (MlflowException e) when (e.IsErrorCode(MlflowErrorCodes.ResourceDoesNotExist))
        {
            return null;
        }
    }

    /// <summary>
    /// Polls <c>model-versions/get</c> until the version is <c>READY</c>. Throws <see cref="TimeoutException"/> at the
    /// deadline and <see cref="InvalidOperationException"/> when registration failed.
    /// </summary>
    public async Task<MlflowModelVersion> WaitUntilReadyAsync(
        MlflowModelVersion version,
        TimeSpan timeout,
        TimeSpan pollInterval,
        CancellationToken cancellationToken = default)
    {
        var deadline = timeProvider.GetUtcNow() + timeout;
        var current = version;
        while (true)
        {
            switch (current.Status)
            {
                case MlflowModelVersionStatus.Ready:
                    return current;
                case MlflowModelVersionStatus.FailedRegistration:
                    throw new InvalidOperationException(
                        $"MLflow could not register version {current.Version} of '{current.Name}': {current.StatusMessage ?? "no reason given"}.");
            }

            if (timeProvider.GetUtcNow() >= deadline)
            {
                throw new TimeoutException(
                    $"Version {current.Version} of MLflow model '{current.Name}' was still {current.Status ?? "pending"} after {timeout.TotalSeconds:0.#} s.");
            }

            await Task.Delay(pollInterval, timeProvider, cancellationToken);
            current = await GetModelVersionAsync(version.Name, version.Version, cancellationToken)
                ?? throw new InvalidOperationException($"Version {version.Version} of MLflow model '{version.Name}' disappeared while registering.");
        }
    }

    /// <summary>Points <paramref name="alias"/> at <paramref name="version"/> (sent as a JSON string, as MLflow requires).</summary>
    public async Task SetAliasAsync(string name, string alias, int version, CancellationToken cancellationToken = default) =>
        await PostAsync<JsonObject>(
            $"{Api}registered-models/alias",
            new SetAliasRequest(name, alias, version.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            cancellationToken);

    /// <summary>The version an alias points at, or null when the alias (or the model) is not set.</summary>
    public async Task<MlflowModelVersion?> GetModelVersionByAliasAsync(string name, string alias, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await GetAsync<ModelVersionResponse>(
                $"{Api}registered-models/alias?name={Uri.EscapeDataString(name)}&alias={Uri.EscapeDataString(alias)}", cancellationToken);
            return response.ModelVersion;
        }
        catch (MlflowException e) when (e.IsErrorCode(MlflowErrorCodes.InvalidParameterValue) || e.IsErrorCode(MlflowErrorCodes.ResourceDoesNotExist))
        {
            // MLflow answers a missing alias with 400 INVALID_PARAMETER_VALUE, and a missing model with 404.
            return null;
        }
    }

    // ---- transport ------------------------------------------------------------------------------------------

    private Task<T> GetAsync<T>(string relative, CancellationToken cancellationToken) =>
        SendJsonAsync<T>(new HttpRequestMessage(HttpMethod.Get, Resolve(relative)), cancellationToken);

    private Task<T> PostAsync<T>(string relative, object body, CancellationToken cancellationToken) =>
        SendJsonAsync<T>(
            new HttpRequestMessage(HttpMethod.Post, Resolve(relative))
            {
                // Buffered (not JsonContent's streaming) so the request has a Content-Length and can be retried.
                Content = new StringContent(JsonSerializer.Serialize(body, body.GetType(), MlflowJson.Options), Encoding.UTF8, "application/json"),
            },
            cancellationToken);

    private async Task<T> SendJsonAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            try
            {
                return JsonSerializer.Deserialize<T>(string.IsNullOrWhiteSpace(text) ? "{}" : text, MlflowJson.Options)
                    ?? throw new JsonException("empty body");
            }
            catch (JsonException e)
            {
                throw new MlflowException(request.Method.Method, request.RequestUri!, response.StatusCode, null, $"unexpected answer ({e.Message})", e);
            }
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await httpClient.SendAsync(request, completion, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new MlflowException(request.Method.Method, request.RequestUri!, null, null, e.Message, e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MlflowException(request.Method.Method, request.RequestUri!, null, null, "timed out", e);
        }
        catch (Polly.ExecutionRejectedException e)
        {
            // The resilience pipeline gave up: attempt timeout or an open circuit after repeated failures.
            throw new MlflowException(request.Method.Method, request.RequestUri!, null, null, e.Message, e);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ErrorFromAsync(request, response, cancellationToken);
        }
    }

    private static async Task<MlflowException> ErrorFromAsync(HttpRequestMessage request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        string? errorCode = null;
        var detail = response.ReasonPhrase ?? "error";
        if (response.Content.Headers.ContentType?.MediaType == "application/json" || text.TrimStart().StartsWith('{'))
        {
            try
            {
                var error = JsonSerializer.Deserialize<ErrorBody>(text, MlflowJson.Options);
                errorCode = error?.ErrorCode;
                detail = error?.Message ?? detail;
            }
            catch (JsonException)
            {
            }
        }

        if (errorCode is null && response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
        {
            detail = "no such MLflow REST endpoint; is the tracking URI an MLflow 2.x server?";
        }

        return new MlflowException(request.Method.Method, request.RequestUri!, response.StatusCode, errorCode, detail);
    }

    private Uri Resolve(string relative) => new(_trackingUri, relative);

    private static Uri WithTrailingSlash(Uri uri) =>
        uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");

    private sealed record ErrorBody(string? ErrorCode, string? Message);

    private sealed record ExperimentResponse(MlflowExperiment? Experiment);

    private sealed record CreateExperimentResponse(string ExperimentId);

    private sealed record CreateRunRequest(string ExperimentId, long StartTime, string? RunName, IReadOnlyList<MlflowTag>? Tags);

    private sealed record RunResponse(MlflowRun Run);

    private sealed record UpdateRunRequest(string RunId, MlflowRunStatus Status, long? EndTime);

    private sealed record UpdateRunResponse(MlflowRunInfo RunInfo);

    private sealed record LogBatchRequest(string RunId, IReadOnlyList<MlflowMetric>? Metrics, IReadOnlyList<MlflowParam>? Params, IReadOnlyList<MlflowTag>? Tags);

    private sealed record ListArtifactsResponse(IReadOnlyList<MlflowArtifactFile>? Files);

    private sealed record RegisteredModelResponse(MlflowRegisteredModel RegisteredModel);

    private sealed record CreateModelVersionRequest(string Name, string Source, string? RunId, string? Description);

    private sealed record ModelVersionResponse(MlflowModelVersion ModelVersion);

    private sealed record SetAliasRequest(string Name, string Alias, string Version);
}
