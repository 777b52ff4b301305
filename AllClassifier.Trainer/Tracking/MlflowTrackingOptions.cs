using AllClassifier.Model.Registry;
using Microsoft.Extensions.Configuration;

namespace AllClassifier.Trainer.Tracking;

/// <summary>
/// Where and how the trainer reports to MLflow (section <c>Trainer:Mlflow</c>; <c>MLFLOW_TRACKING_URI</c> and
/// <c>GIT_COMMIT</c> are aliases of <see cref="TrackingUri"/> and <see cref="SourceCommit"/>). Tracking is on when
/// <see cref="TrackingUri"/> is set.
/// </summary>
public sealed class MlflowTrackingOptions
{
    public const string SectionName = "Trainer:Mlflow";

    public required Uri TrackingUri { get; init; }

    public string ExperimentName { get; init; } = "all_classification_pipeline";

    public string RegisteredModelName { get; init; } = LocalModelRegistry.ModelName;

    public string ChampionAlias { get; init; } = LocalModelRegistry.ChampionAlias;

    /// <summary>How long to wait for a new model version to become READY.</summary>
    public TimeSpan RegistrationTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan RegistrationPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The commit recorded as <c>mlflow.source.git.commit</c> when the assembly version does not carry it.</summary>
    public string? SourceCommit { get; init; }

    /// <summary>
    /// The options bound from the section of <paramref name="configuration"/> (its flat names included): null options
    /// (and true) when no tracking URI is set; false with an explanation when it is not an http(s) URL (MLflow's
    /// <c>file:</c> or <c>databricks</c> URIs need Python). Read when the trainer is composed, because whether MLflow
    /// is tracked decides which services exist.
    /// </summary>
    public static bool TryFromConfiguration(IConfiguration configuration, out MlflowTrackingOptions? options, out string? error)
    {
        options = null;
        error = null;
        var section = configuration.WithSettingAliases().GetSection(SectionName);
        var value = section[nameof(TrackingUri)];
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }

        if (Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            var bound = section.Get<MlflowTrackingOptions>()!;
            options = new MlflowTrackingOptions
            {
                TrackingUri = uri,
                ExperimentName = bound.ExperimentName,
                RegisteredModelName = bound.RegisteredModelName,
                ChampionAlias = bound.ChampionAlias,
                RegistrationTimeout = bound.RegistrationTimeout,
                RegistrationPollInterval = bound.RegistrationPollInterval,
                SourceCommit = bound.SourceCommit,
            };
            return true;
        }

        error = $"{SectionName}:{nameof(TrackingUri)} (MLFLOW_TRACKING_URI) must be the http(s) URL of an MLflow tracking " +
            $"server, not '{value}'.";
        return false;
    }
}
