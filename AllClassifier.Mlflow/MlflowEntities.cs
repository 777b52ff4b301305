using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AllClassifier.Mlflow;

/// <summary>An MLflow experiment as <c>experiments/get-by-name</c> returns it.</summary>
public sealed record MlflowExperiment(string ExperimentId, string Name, string? ArtifactLocation, string? LifecycleStage);

/// <summary>Run lifecycle states of the MLflow REST API (serialized as <c>RUNNING</c>, <c>FINISHED</c>, ...).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MlflowRunStatus>))]
public enum MlflowRunStatus
{
    [JsonStringEnumMemberName("RUNNING")]
    Running,

    [JsonStringEnumMemberName("SCHEDULED")]
    Scheduled,

    [JsonStringEnumMemberName("FINISHED")]
    Finished,

    [JsonStringEnumMemberName("FAILED")]
    Failed,

    [JsonStringEnumMemberName("KILLED")]
    Killed,
}

public sealed record MlflowRunInfo(
    string RunId,
    string ExperimentId,
    string? RunName,
    MlflowRunStatus Status,
    long StartTime,
    long? EndTime,
    string ArtifactUri,
    string? LifecycleStage);

public sealed record MlflowRunData(
    IReadOnlyList<MlflowMetric>? Metrics,
    IReadOnlyList<MlflowParam>? Params,
    IReadOnlyList<MlflowTag>? Tags);

public sealed record MlflowRun(MlflowRunInfo Info, MlflowRunData? Data);

/// <summary>One metric point; MLflow requires both a timestamp (Unix milliseconds) and a step.</summary>
public sealed record MlflowMetric(string Key, double Value, long Timestamp, long Step);

public sealed record MlflowParam(string Key, string Value);

public sealed record MlflowTag(string Key, string Value);

/// <summary>Registration states of a model version.</summary>
public static class MlflowModelVersionStatus
{
    public const string PendingRegistration = "PENDING_REGISTRATION";
    public const string FailedRegistration = "FAILED_REGISTRATION";
    public const string Ready = "READY";
}

/// <summary>
/// A registered model version. MLflow sends <c>version</c> as a string; <see cref="Number"/> parses it.
/// <see cref="Aliases"/> is a plain list of alias names here (unlike <see cref="MlflowRegisteredModel.Aliases"/>).
/// </summary>
public sealed record MlflowModelVersion(
    string Name,
    string Version,
    string? Source,
    string? RunId,
    string? Status,
    string? StatusMessage,
    IReadOnlyList<string>? Aliases,
    long? CreationTimestamp)
{
    public int Number => int.Parse(Version, NumberStyles.None, CultureInfo.InvariantCulture);
}

/// <summary>One entry of an artifact directory listing; <see cref="Path"/> is the entry's name within the listed directory.</summary>
public sealed record MlflowArtifactFile(string Path, bool IsDir, long? FileSize);

public sealed record MlflowRegisteredModelAlias(string Alias, string Version);

public sealed record MlflowRegisteredModel(
    string Name,
    IReadOnlyList<MlflowRegisteredModelAlias>? Aliases,
    IReadOnlyList<MlflowModelVersion>? LatestVersions);

/// <summary>JSON conventions of the MLflow REST API: snake_case fields, empty fields omitted, NaN as a string.</summary>
public static class MlflowJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // int64 fields arrive as numbers from MLflow's own serializer but as strings from protobuf's JSON mapping.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals | JsonNumberHandling.AllowReadingFromString,
    };
}
