namespace AllClassifier.AppHost.Extensions;

/// <summary>
/// Where the backend stores corrections and the trainer reads them: the SQLite file under the data root (the
/// default, one host), or a PostgreSQL database named <c>feedback</c> for several backend replicas — a container
/// where an engine answers, else the locally installed PostgreSQL server. Deployed (publish mode), always an Azure
/// Database for PostgreSQL flexible server: the container apps run on several hosts, and SQLite's WAL on a file share
/// that several hosts write corrupts.
/// </summary>
public static class FeedbackStoreExtensions
{
    /// <summary><c>sqlite</c> (default) or <c>postgres</c>.</summary>
    public const string ConfigurationKey = "AllClassifier:FeedbackStore";

    public const string PostgresPasswordParameter = "postgres-password";

    /// <summary>The services' connection string name: it arrives as <c>ConnectionStrings__feedback</c>.</summary>
    public const string ConnectionName = "feedback";

    private const string ServerName = "postgres";

    /// <summary>The PostgreSQL feedback database when configured or deployed, null for SQLite.</summary>
    public static IResourceBuilder<IResourceWithConnectionString>? AddFeedbackStore(this IDistributedApplicationBuilder builder, DataRoot dataRoot, bool useContainers)
    {
        var setting = builder.Configuration[ConfigurationKey]?.Trim().ToLowerInvariant();
        var publishing = builder.ExecutionContext.IsPublishMode;
        switch (setting)
        {
            case "sqlite" when publishing:
                throw new InvalidOperationException(
                    $"{ConfigurationKey}=sqlite cannot be deployed: the container apps share no disk SQLite can be written " +
                    "from safely. A deployment keeps its feedback in Azure Database for PostgreSQL; leave the setting unset.");
            case null or "" when publishing:
                break;
            case null or "" or "sqlite":
                return null;
            case "postgres" or "postgresql":
                break;
            default:
                throw new InvalidOperationException($"{ConfigurationKey} must be 'sqlite' or 'postgres', not '{setting}'.");
        }

        var password = builder.AddSecret(PostgresPasswordParameter);
        if (publishing)
        {
            return builder.AddAzurePostgres(ServerName, password, ConnectionName);
        }

        if (useContainers)
        {
            return builder.AddPostgres(ServerName, password: password)
                .WithDataVolume("allclassifier-postgres")
                .AddDatabase(ConnectionName);
        }

        if (LocalPostgres.FindBinaries() is { } binaries)
        {
            return builder.AddLocalPostgres(ServerName, binaries, dataRoot, password, ConnectionName);
        }

        throw new InvalidOperationException(
            $"{ConfigurationKey}=postgres needs a container engine (docker or podman answering 'info'; see {ContainerSupport.ConfigurationKey}) " +
            "or PostgreSQL's server binaries under /usr/lib/postgresql/<version>/bin (Debian: apt-get install postgresql). " +
            $"Neither was found; install one, or use {ConfigurationKey}=sqlite.");
    }

    /// <summary>Hands the service <c>ConnectionStrings__feedback</c> and starts it once the database answers; SQLite needs nothing.</summary>
    public static IResourceBuilder<ProjectResource> WithFeedbackStore(this IResourceBuilder<ProjectResource> service, IResourceBuilder<IResourceWithConnectionString>? store) =>
        store is null ? service : service.WithReference(store, ConnectionName).WaitFor(store);
}
