using AllClassifier.AppHost.Extensions;

var builder = DistributedApplication.CreateBuilder(args);

// Shared state: .data/{feedback,registry,work,prometheus} by default (AllClassifier:DataRoot), DATA_DIR optional.
var dataRoot = DataRoot.FromConfiguration(builder);

// Writes to the API always need a key: the web app's, generated once and kept in user secrets.
var apiKey = builder.AddSecret(AccessExtensions.ApiKeyParameter);
var firstAdminPassword = builder.AddSecret(AccessExtensions.FirstAdminPasswordParameter);
// The dashboard's promote/reload/run-pipeline commands use their own admin-only key, not the web app's.
var adminKey = builder.AddSecret(AccessExtensions.AdminApiKeyParameter);

// Models are signed by the trainer and verified by the API: a key pair generated once under the data root.
var modelSigning = builder.AddModelSigning(dataRoot);

// Containers only where an engine answers (or AllClassifier:Containers=always), and always in the manifest.
var useContainers = builder.UseContainers();

// Corrections: SQLite under the data root by default; PostgreSQL with AllClassifier:FeedbackStore=postgres.
var feedbackStore = builder.AddFeedbackStore(dataRoot, useContainers);

// The classification API, under the host name the original stack used; AllClassifier:BackendReplicas processes.
var backend = builder.AddProject<Projects.AllClassifier_Api>("backend")
    .WithReplicas(BackendReplicas.FromConfiguration(builder))
    .WithFeedbackDatabase(dataRoot)
    .WithFeedbackStore(feedbackStore)
    .WithModelRegistry(dataRoot)
    .WithModelSigningTrust(modelSigning)
    .WithRetrainingThreshold(builder.Configuration)
    .WithWebClientKey(apiKey)
    .WithOperatorKey(adminKey)
    .WithModelCommands(adminKey)
    // Read by glibc before the runtime's first threads: two malloc arenas rather than up to 8 per core
    // (docs/benchmarks.md, the soak).
    .WithEnvironment("MALLOC_ARENA_MAX", "2")
    // With containers the API listens on every interface (or is deployed): classifying needs a key there too.
    .WithEnvironment("Auth__RequireKeyForPredict", useContainers ? "true" : "false")
    .WithHttpHealthCheck("/health")
    .WithUrlForEndpoint("http", url => url.DisplayText = "API")
    .WithUrlForEndpoint("http", _ => new() { Url = "/docs", DisplayText = "API docs" });

// The lab's web app: staff sign in; its /api routes forward a few reads to the backend.
var web = builder.AddProject<Projects.AllClassifier_Web>("web")
    .WithExternalHttpEndpoints()
    .WithReference(backend)
    // By name, not by one endpoint: service discovery lets the web app's client and proxy reach every replica.
    .WithEnvironment("BACKEND_URL", $"http://{backend.Resource.Name}")
    .WithStaffAccess(dataRoot, apiKey, firstAdminPassword)
    // Deployed, its accounts and Data Protection keys live on a volume rather than in the container.
    .PublishWithStaffVolume(dataRoot)
    .WithTrustedProxies()
    .WaitFor(backend)
    .WithHttpHealthCheck("/health")
    .WithUrlForEndpoint("http", url => url.DisplayText = "Web UI");

// Bootstraps a first model when the registry is empty, then retrains on feedback and promotes better models.
var trainer = builder.AddProject<Projects.AllClassifier_Trainer>("trainer")
    .WithArgs("worker")
    .WithFeedbackDatabase(dataRoot)
    .WithFeedbackStore(feedbackStore)
    .WithModelRegistry(dataRoot)
    .WithModelSigningKey(modelSigning)
    .WithTrainingInputs(dataRoot, builder.Configuration)
    .WithHttpEndpoint()
    .WithHttpHealthCheck("/health")
    .WithRunPipelineCommand(adminKey);

if (useContainers)
{
    var mlflow = builder.AddMlflow("mlflow");
    trainer.WithMlflowTracking(mlflow);

    var nodeExporter = builder.AddNodeExporter("node-exporter");
    // The web app's /metrics answers a scraper on this host only; from a container Prometheus needs a key.
    IResourceBuilder<ParameterResource>? scrapeKey = null;
    if (!builder.ExecutionContext.IsPublishMode)
    {
        scrapeKey = builder.AddSecret(AccessExtensions.MetricsScrapeKeyParameter);
        web.WithEnvironment("Metrics__ScrapeKey", scrapeKey);
    }

    var prometheus = builder.AddPrometheusContainer("prometheus", dataRoot, (web.Resource, scrapeKey), backend, web, nodeExporter);
    builder.AddGrafana("grafana", prometheus, builder.AddSecret(AccessExtensions.GrafanaAdminPasswordParameter));
}
else if (PrometheusBinary.FindOnPath() is { } prometheusBinary)
{
    builder.AddPrometheusExecutable("prometheus", prometheusBinary, dataRoot, backend, web);
}

builder.Build().Run();
