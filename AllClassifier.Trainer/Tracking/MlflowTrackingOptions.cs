using AllClassifier.Model.Registry;
using AllClassifier.Model.Settings;
using Microsoft.Extensions.Configuration;

namespace AllClassifier.Trainer.Tracking;

/// <summary>Where and how the trainer reports to MLflow (enabled by <c>MLFLOW_TRACKING_URI</c>).</summary>
public sealed class MlflowTrackingOptions
{
    public const string TrackingUriVariable = SharedSettings.MlflowTrackingUri;

    /// <summary>Where a build pipeline may name the trainer's commit when the assembly version does not carry it.</summary>
    public const string SourceCommitVariable = "GIT_COMMIT";

    public required Uri TrackingUri { get; init; }

    public string ExperimentName { get; init; } = "all_classification_pipeline";

    public string RegisteredModelName { get; init; } = LocalModelRegistry.ModelName;

    public string ChampionAlias { get; init; } = LocalModelRegistry.ChampionAlias;

    /// <summary>How long to wait for a new model version to become READY.</summary>
    public TimeSpan RegistrationTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan RegistrationPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The commit recorded as <c>mlflow.source.git.commit</c> (<c>GIT_COMMIT</c>).</summary>
    public string? SourceCommit { get; init; }

    /// <summary>
    /// Tracking options from <c>MLFLOW_TRACKING_URI</c> in configuration: null options (and true) when it is unset;
    /// false with an explanation when it is not an http(s) URL (MLflow's <c>file:</c> or <c>databricks</c> URIs need Python).
    /// </summary>
    public static bool TryFromConfiguration(IConfiguration configuration, out MlflowTrackingOptions? options, out string? error)
    {
        options = null;
        error = null;
        var value = configuration[TrackingUriVariable];
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }

        if (Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            options = new MlflowTrackingOptions { TrackingUri = uri, SourceCommit = configuration[SourceCommitVariable] };
            return true;
        }

        error = $"{TrackingUriVariable} must be the http(s) URL of an MLflow tracking server, not '{value}'.";
        return false;
    }
}
