using AllClassifier.Model.Settings;
using Microsoft.Extensions.Configuration;

namespace AllClassifier.AppHost.Extensions;

/// <summary>Hands the shared folders of the <see cref="DataRoot"/> to the services, under the environment variable names of the LLD.</summary>
public static class SharedStateExtensions
{
    /// <summary>Configuration key of the number of feedback rows that triggers a retraining (FB_THRESH).</summary>
    public const string FeedbackThresholdKey = "AllClassifier:FeedbackThreshold";

    public static IResourceBuilder<ProjectResource> WithFeedbackDatabase(this IResourceBuilder<ProjectResource> service, DataRoot dataRoot) =>
        service.WithEnvironment(SharedSettings.FeedbackDirectory, dataRoot.FeedbackDir);

    public static IResourceBuilder<ProjectResource> WithModelRegistry(this IResourceBuilder<ProjectResource> service, DataRoot dataRoot) =>
        service.WithEnvironment(SharedSettings.RegistryDirectory, dataRoot.RegistryDir);

    /// <summary>
    /// The retraining threshold (FB_THRESH): the trainer's sensor applies it, the API reports it next to the rows
    /// pending since training, so both must get the same value.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithRetrainingThreshold(this IResourceBuilder<ProjectResource> service, IConfiguration configuration) =>
        service.WithEnvironment(
            SharedSettings.FeedbackThreshold,
            configuration[FeedbackThresholdKey] ?? SharedSettings.DefaultFeedbackThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The trainer's work folder, its dataset when there is one, and the retraining threshold.</summary>
    public static IResourceBuilder<ProjectResource> WithTrainingInputs(this IResourceBuilder<ProjectResource> trainer, DataRoot dataRoot, IConfiguration configuration)
    {
        trainer.WithEnvironment(SharedSettings.WorkDirectory, dataRoot.TrainerWorkDir).WithRetrainingThreshold(configuration);

        return dataRoot.DatasetDir is { } dataset ? trainer.WithEnvironment(SharedSettings.DataDirectory, dataset) : trainer;
    }
}
