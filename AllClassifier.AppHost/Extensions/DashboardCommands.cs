using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AllClassifier.AppHost.Extensions;

/// <summary>
/// Operations on the Aspire dashboard's resource menus: "Run pipeline now" on the trainer, "Promote challenger" and
/// "Reload model" on the backend. Each is an HTTP call to the service's admin endpoint with the app host's API key
/// (without it the services answer 401); the answer is shown by the dashboard and written to the resource's log.
/// </summary>
public static class DashboardCommands
{
    public const string RunPipeline = "run-pipeline";
    public const string PromoteChallenger = "promote-challenger";
    public const string ReloadModel = "reload-model";

    /// <summary>The optional argument of <see cref="PromoteChallenger"/>; empty means the newest version, never an older one.</summary>
    public const string VersionArgument = "version";

    private const string KeyHeader = "X-Api-Key";

    /// <summary>The trainer's admin key (<c>Admin__ApiKey</c>) and its "Run pipeline now" command.</summary>
    public static IResourceBuilder<ProjectResource> WithRunPipelineCommand(this IResourceBuilder<ProjectResource> trainer, IResourceBuilder<ParameterResource> apiKey) =>
        trainer.WithEnvironment("Admin__ApiKey", apiKey)
            .WithHttpCommand("/pipeline/run", "Run pipeline now", commandName: RunPipeline, commandOptions: KeyedPost(
                "Stops waiting for feedback and runs the training pipeline now; its result appears in the trainer's log.", "Play", apiKey));

    /// <summary>"Promote challenger" (a version, or the newest challenger) and "Reload model" on the backend.</summary>
    public static IResourceBuilder<ProjectResource> WithModelCommands(this IResourceBuilder<ProjectResource> backend, IResourceBuilder<ParameterResource> apiKey) =>
        backend
            .WithHttpCommand("/model/versions/{version}/promote", "Promote challenger", commandName: PromoteChallenger, commandOptions: new HttpCommandOptions
            {
                Method = HttpMethod.Post,
                Description = "Makes a registered version the champion (empty: the newest version, only if newer than the champion). Every replica serves it within a poll.",
                ConfirmationMessage = "Serve this version to the lab?",
                IconName = "ArrowUp",
                Arguments =
                [
                    new InteractionInput
                    {
                        Name = VersionArgument,
                        Label = "Version",
                        InputType = InputType.Number,
                        Required = false,
                        Placeholder = "newest, if newer than the champion",
                    },
                ],
                PrepareRequest = async context =>
                {
                    await AddKeyAsync(context, apiKey);
                    context.Request.RequestUri = new Uri(context.Request.RequestUri!, PromotePath(RequestedVersion(context.Arguments)));
                },
                GetCommandResult = ReportAsync,
            })
            .WithHttpCommand("/model/reload", "Reload model", commandName: ReloadModel, commandOptions: KeyedPost(
                "Reads the registry's champion now instead of at the next poll, retrying versions refused before.", "ArrowClockwise", apiKey));

    /// <summary>A POST that carries the API key and reports its answer.</summary>
    private static HttpCommandOptions KeyedPost(string description, string iconName, IResourceBuilder<ParameterResource> apiKey) => new()
    {
        Method = HttpMethod.Post,
        Description = description,
        IconName = iconName,
        PrepareRequest = context => AddKeyAsync(context, apiKey),
        GetCommandResult = ReportAsync,
    };

    private static async Task AddKeyAsync(HttpCommandRequestContext context, IResourceBuilder<ParameterResource> apiKey) =>
        context.Request.Headers.Add(KeyHeader, await apiKey.Resource.GetValueAsync(context.CancellationToken));

    private static int? RequestedVersion(InteractionInputCollection? arguments) =>
        arguments is not null && arguments.TryGetByName(VersionArgument, out var input) && int.TryParse(input.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : null;

    /// <summary>
    /// A named version may be older than the champion (a rollback); without one the API promotes the newest version
    /// only if it is newer than the champion, deciding under the registry's lock, so "newest challenger" never means
    /// "the version before".
    /// </summary>
    public static string PromotePath(int? version) => version is { } named
        ? $"/model/versions/{named.ToString(CultureInfo.InvariantCulture)}/promote"
        : "/model/versions/newest/promote";

    private static async Task<ExecuteCommandResult> ReportAsync(HttpCommandResultContext context)
    {
        var body = await context.Response.Content.ReadAsStringAsync(context.CancellationToken);
        var logger = context.Services.GetRequiredService<ResourceLoggerService>().GetLogger(context.ResourceName);
        var summary = $"{context.Described()} answered {(int)context.Response.StatusCode}: {body}";
        if (context.Response.IsSuccessStatusCode)
        {
            logger.LogInformation("Dashboard command: {Summary}", summary);
            return CommandResults.Success(body);
        }

        logger.LogWarning("Dashboard command failed: {Summary}", summary);
        return CommandResults.Failure(summary);
    }

    private static string Described(this HttpCommandResultContext context) =>
        $"{context.Response.RequestMessage?.Method} {context.Response.RequestMessage?.RequestUri?.AbsolutePath}";
}
