using Aspire.Hosting.Publishing;

namespace AllClassifier.AppHost.Extensions;

/// <summary>
/// An Azure Database for PostgreSQL flexible server with one database, declared for azd: the manifest entry is an
/// <c>azure.bicep.v0</c> resource that provisions <c>infra/feedback-postgres.bicep</c> and keeps the Npgsql
/// connection string in the Key Vault azd creates for it, from where the services get it as a secret.
/// </summary>
/// <remarks>
/// <c>Aspire.Hosting.Azure.PostgreSQL</c> (<c>AddAzurePostgresFlexibleServer</c>) would write the same kind of entry
/// from its own Bicep; that package is not available to this project, so the module is kept in <c>infra/</c>.
/// </remarks>
public sealed class AzurePostgresResource(string name, string templatePath, ParameterResource administratorPassword, string database)
    : Resource(name), IResourceWithConnectionString
{
    /// <summary>The Bicep module's secret output (a Key Vault secret of that name) holding the connection string.</summary>
    public const string ConnectionStringOutput = "connectionString";

    public string TemplatePath { get; } = templatePath;

    public ParameterResource AdministratorPassword { get; } = administratorPassword;

    public string Database { get; } = database;

    /// <summary>The value azd resolves at deployment; there is nothing to connect to in run mode.</summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{{{Name}.secretOutputs.{ConnectionStringOutput}}}");

    internal void WriteToManifest(ManifestPublishingContext context)
    {
        var writer = context.Writer;
        writer.WriteString("type", "azure.bicep.v0");
        writer.WriteString("connectionString", $"{{{Name}.secretOutputs.{ConnectionStringOutput}}}");
        writer.WriteString("path", context.GetManifestRelativePath(TemplatePath));
        writer.WriteStartObject("params");
        // Empty: azd creates a Key Vault for the resource and passes its name (Aspire's KnownParameters.KeyVaultName).
        writer.WriteString("keyVaultName", "");
        writer.WriteString("administratorLoginPassword", $"{{{AdministratorPassword.Name}.value}}");
        writer.WriteString("databaseName", Database);
        writer.WriteEndObject();
    }
}

public static class AzurePostgres
{
    /// <summary>The Bicep module beside the solution, in <c>infra/</c>.</summary>
    public const string TemplateFile = "infra/feedback-postgres.bicep";

    /// <summary>
    /// The flexible server <paramref name="name"/> with <paramref name="database"/>, its administrator password a
    /// secret input azd asks for. Publish mode only: run mode has no Azure to provision it in.
    /// </summary>
    public static IResourceBuilder<AzurePostgresResource> AddAzurePostgres(
        this IDistributedApplicationBuilder builder, string name, IResourceBuilder<ParameterResource> administratorPassword, string database)
    {
        if (!builder.ExecutionContext.IsPublishMode)
        {
            throw new InvalidOperationException($"{name}: Azure Database for PostgreSQL is declared for deployment (publish mode) only.");
        }

        var template = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", TemplateFile));
        var resource = new AzurePostgresResource(name, template, administratorPassword.Resource, database);
        return builder.AddResource(resource)
            .WithAnnotation(new ManifestPublishingCallbackAnnotation(resource.WriteToManifest));
    }
}
