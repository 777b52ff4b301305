using AllClassifier.Model.Settings;

namespace AllClassifier.AppHost.Extensions;

/// <summary>
/// Where the services keep the state they share: the feedback database folder (FEEDBACK_DIR), the model
/// registry (MODEL_REGISTRY_DIR), the trainer's work folder (WORK_DIR), Prometheus' data, the web app's staff
/// accounts and the optional training dataset (DATA_DIR).
/// </summary>
/// <remarks>
/// In run mode these are folders under one data root on this machine (default <c>.data/</c> beside the
/// solution, git-ignored). In publish mode they are the container paths of <c>deploy/*.Dockerfile</c>.
/// </remarks>
public sealed record DataRoot(string Path, string FeedbackDir, string RegistryDir, string TrainerWorkDir, string PrometheusDir, string StaffDir, string? DatasetDir)
{
    /// <summary>Configuration key of the data root; a relative value is taken from the repository root.</summary>
    public const string ConfigurationKey = "AllClassifier:DataRoot";

    /// <summary>Configuration key of the dataset folder (<c>Benign/Early/Pre/Pro</c> subfolders); a relative value is taken from the repository root.</summary>
    public const string DatasetConfigurationKey = "AllClassifier:DatasetDir";

    /// <summary>
    /// Reads the data root and the dataset folder (configured, else <c>dataset/</c> in the data root when it
    /// exists, else none: the trainer then bootstraps on synthetic images) and creates the folders services write to.
    /// </summary>
    public static DataRoot FromConfiguration(IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return new DataRoot("/app", SharedSettings.DefaultFeedbackDirectory, SharedSettings.DefaultRegistryDirectory, SharedSettings.DefaultWorkDirectory, "/prometheus", SharedSettings.DefaultFeedbackDirectory, Configured(builder, DatasetConfigurationKey));
        }

        var repositoryRoot = System.IO.Path.GetFullPath(System.IO.Path.Combine(builder.AppHostDirectory, ".."));
        var root = System.IO.Path.GetFullPath(Configured(builder, ConfigurationKey) ?? ".data", repositoryRoot);
        var dataset = Configured(builder, DatasetConfigurationKey) is { } configured
            ? System.IO.Path.GetFullPath(configured, repositoryRoot)
            : System.IO.Path.Combine(root, "dataset") is var conventional && Directory.Exists(conventional) ? conventional : null;

        var dataRoot = new DataRoot(
            root,
            FeedbackDir: System.IO.Path.Combine(root, "feedback"),
            RegistryDir: System.IO.Path.Combine(root, "registry"),
            TrainerWorkDir: System.IO.Path.Combine(root, "work"),
            PrometheusDir: System.IO.Path.Combine(root, "prometheus"),
            StaffDir: System.IO.Path.Combine(root, "web"),
            DatasetDir: dataset);

        foreach (var folder in new[] { dataRoot.FeedbackDir, dataRoot.RegistryDir, dataRoot.TrainerWorkDir, dataRoot.PrometheusDir, dataRoot.StaffDir })
        {
            Directory.CreateDirectory(folder);
        }

        return dataRoot;
    }

    private static string? Configured(IDistributedApplicationBuilder builder, string key) =>
        builder.Configuration[key] is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;
}
