namespace AllClassifier.AppHost.Extensions;

/// <summary>
/// The secrets of a deployment: the web app's API key and the first admin's password, generated on first run and kept
/// in the app host's user secrets (<c>Parameters:api-key</c>, <c>Parameters:first-admin-password</c>; set them there
/// or as <c>Parameters__api-key</c> to choose them). The Aspire dashboard shows them under Parameters. In the
/// deployment manifest they are secret inputs without a default, so <c>azd up</c> asks for each value and keeps it in
/// its environment rather than deploying one nobody has chosen.
/// </summary>
public static class AccessExtensions
{
    public const string ApiKeyParameter = "api-key";
    public const string FirstAdminPasswordParameter = "first-admin-password";
    public const string GrafanaAdminPasswordParameter = "grafana-admin-password";

    /// <summary>The bearer token a Prometheus container sends to the web app's <c>/metrics</c> (run mode with containers).</summary>
    public const string MetricsScrapeKeyParameter = "metrics-scrape-key";

    /// <summary>The operator's key: the dashboard's commands and the trainer's admin endpoint, scope admin only.</summary>
    public const string AdminApiKeyParameter = "admin-api-key";

    /// <summary>The API client name of <see cref="AdminApiKeyParameter"/>.</summary>
    public const string OperatorClientName = "operator";

    /// <summary>The API client name the web app's key is registered under, and recorded in feedback rows.</summary>
    public const string WebClientName = "web";

    public static IResourceBuilder<ParameterResource> AddSecret(this IDistributedApplicationBuilder builder, string name) =>
        builder.ExecutionContext.IsPublishMode
            ? builder.AddParameter(name, secret: true)
            // Every character class at least once: the value also has to pass ASP.NET Core Identity's password rules.
            : builder.AddParameter(
                name,
                new GenerateParameterDefault { MinLength = 32, MinLower = 1, MinUpper = 1, MinNumeric = 1, Special = false },
                secret: true,
                persist: true);

    /// <summary>The API accepts <paramref name="key"/> from the web app and names it <see cref="WebClientName"/>.</summary>
    public static IResourceBuilder<ProjectResource> WithWebClientKey(this IResourceBuilder<ProjectResource> backend, IResourceBuilder<ParameterResource> key) =>
        backend.WithEnvironment($"Auth__ApiKeys__{WebClientName}", key);

    /// <summary>
    /// The API accepts <paramref name="key"/> from the dashboard's commands as <see cref="OperatorClientName"/>, for
    /// administration only: it can promote and reload but neither classify nor store corrections, and it is not the
    /// web app's key, so whoever holds one does not hold the other.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithOperatorKey(this IResourceBuilder<ProjectResource> backend, IResourceBuilder<ParameterResource> key) =>
        backend.WithEnvironment($"Auth__ApiKeys__{OperatorClientName}", key)
            .WithEnvironment($"Auth__ApiKeyScopes__{OperatorClientName}", "admin");

    /// <summary>The web app's key for the API, its staff account database, its Data Protection keys and the first admin's password.</summary>
    public static IResourceBuilder<ProjectResource> WithStaffAccess(
        this IResourceBuilder<ProjectResource> web, DataRoot dataRoot, IResourceBuilder<ParameterResource> apiKey, IResourceBuilder<ParameterResource> firstAdminPassword) =>
        web.WithEnvironment("Backend__ApiKey", apiKey)
            .WithEnvironment("StaffAccounts__DatabasePath", $"{dataRoot.StaffDir}/staff.db")
            .WithEnvironment("DataProtection__KeysDirectory", $"{dataRoot.StaffDir}/keys")
            .WithEnvironment("StaffAccounts__FirstAdmin__Password", firstAdminPassword);

    /// <summary>The named volume that holds the web app's <c>staff.db</c> and Data Protection keys when deployed.</summary>
    public const string StaffVolumeName = "allclassifier-web";

    /// <summary>The port <c>deploy/web.Dockerfile</c>'s image listens on.</summary>
    private const int WebContainerPort = 8501;

    /// <summary>
    /// Deployed, the web app is the image of <c>deploy/web.Dockerfile</c> with <see cref="StaffVolumeName"/> at its
    /// staff folder (<c>/app/data</c>): a project carries no volumes in the manifest, and without one every new revision would start
    /// with an empty account database and a new key ring (everyone signed out, the first admin's password reset).
    /// azd backs the volume with an Azure Files share. Run mode keeps the project and the data root's folder.
    /// </summary>
    public static IResourceBuilder<ProjectResource> PublishWithStaffVolume(this IResourceBuilder<ProjectResource> web, DataRoot dataRoot) =>
        web.PublishAsDockerFile(container => container
            .WithDockerfile("..", "deploy/web.Dockerfile")
            .WithVolume(StaffVolumeName, dataRoot.StaffDir)
            .WithEndpoint("http", endpoint => endpoint.TargetPort = WebContainerPort, createIfNotExists: false)
            .WithEndpoint("https", endpoint => endpoint.TargetPort = WebContainerPort, createIfNotExists: false));

    /// <summary>
    /// Deployed, the web app sits behind the platform's TLS-terminating ingress, which reaches it from the private
    /// networks of the environment: their forwarded client address and scheme are believed. Run mode trusts no proxy.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithTrustedProxies(this IResourceBuilder<ProjectResource> web)
    {
        if (!web.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            return web;
        }

        string[] privateNetworks = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"];
        for (var i = 0; i < privateNetworks.Length; i++)
        {
            web.WithEnvironment($"ForwardedHeaders__KnownNetworks__{i}", privateNetworks[i]);
        }

        return web;
    }
}
