namespace AllClassifier.Model.Registry;

/// <summary>Keys under which a model card's <see cref="ModelCard.Parameters"/> record its MLflow counterpart.</summary>
public static class MlflowParameterNames
{
    public const string Version = "mlflow_model_version";
    public const string RunId = "mlflow_run_id";
    public const string Source = "mlflow_source";
}
