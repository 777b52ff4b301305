using AllClassifier.AppHost.Extensions;

var builder = DistributedApplication.CreateBuilder(args);

// Shared state (.data/ by default) and whether a container engine can run MLflow, Grafana and friends.
var dataRoot = DataRoot.FromConfiguration(builder);
var useContainers = builder.UseContainers();

if (useContainers)
{
    builder.AddMlflow("mlflow");

    var nodeExporter = builder.AddNodeExporter("node-exporter");
    var prometheus = builder.AddPrometheusContainer("prometheus", dataRoot, nodeExporter);
    builder.AddGrafana("grafana", prometheus);
}
else if (PrometheusBinary.FindOnPath() is { } prometheusBinary)
{
    builder.AddPrometheusExecutable("prometheus", prometheusBinary, dataRoot);
}

builder.Build().Run();
