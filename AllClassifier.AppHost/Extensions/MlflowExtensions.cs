using AllClassifier.Model.Settings;

namespace AllClassifier.AppHost.Extensions;

/// <summary>The MLflow tracking server the trainer logs runs, metrics and registered models to.</summary>
public static class MlflowExtensions
{
    private const int Port = 5000;

    public static IResourceBuilder<ContainerResource> AddMlflow(this IDistributedApplicationBuilder builder, string name) =>
        builder.AddContainer(name, "mlflow/mlflow", "v2.14.3")
            .WithImageRegistry("ghcr.io")
            .WithEntrypoint("mlflow")
            .WithArgs(
                "server",
                // The database and the artifacts live in the volume, so runs survive restarts.
                "--backend-store-uri", "sqlite:////mlflow/mlruns.db",
                "--serve-artifacts",
                "--artifacts-destination", "/mlflow/artifacts",
                "--host", "0.0.0.0",
                "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithVolume("allclassifier-mlflow", "/mlflow")
            .WithHttpEndpoint(targetPort: Port, name: "http")
            .WithHttpHealthCheck("/health")
            .WithUrlForEndpoint("http", url => url.DisplayText = "MLflow UI");

    /// <summary>Points the trainer at MLflow (MLFLOW_TRACKING_URI) and starts it once MLflow is healthy.</summary>
    public static IResourceBuilder<ProjectResource> WithMlflowTracking(this IResourceBuilder<ProjectResource> trainer, IResourceBuilder<ContainerResource> mlflow) =>
        trainer.WithEnvironment(SharedSettings.MlflowTrackingUri, mlflow.GetEndpoint("http"))
            .WaitFor(mlflow);
}
