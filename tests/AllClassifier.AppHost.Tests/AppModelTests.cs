using AllClassifier.AppHost.Extensions;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace AllClassifier.AppHost.Tests;

/// <summary>The app model the app host declares for a configuration, inspected without starting anything.</summary>
public sealed class AppModelTests : IDisposable
{
    // The app host creates its data folders while it builds the model.
    private readonly string _dataRoot = Directory.CreateTempSubdirectory("allclassifier-apphost-model-").FullName;

    public void Dispose() => Directory.Delete(_dataRoot, recursive: true);

    [Fact]
    public async Task Dashboard_commands_are_declared_on_the_trainer_and_the_backend()
    {
        await using var builder = await CreateAsync([]);

        Assert.Equal([DashboardCommands.RunPipeline], Commands(builder, "trainer").Where(c => c.Name == DashboardCommands.RunPipeline).Select(c => c.Name));
        var backend = Commands(builder, "backend").ToDictionary(c => c.Name, c => c.DisplayName);
        Assert.Equal("Promote challenger", backend[DashboardCommands.PromoteChallenger]);
        Assert.Equal("Reload model", backend[DashboardCommands.ReloadModel]);
    }

    [Theory]
    [InlineData(null, 1)]
    [InlineData("3", 3)]
    public async Task Backend_replicas_follow_the_setting(string? setting, int replicas)
    {
        await using var builder = await CreateAsync(setting is null ? [] : [$"{BackendReplicas.ConfigurationKey}={setting}"]);

        var backend = builder.Resources.Single(r => r.Name == "backend");
        Assert.Equal(replicas, backend.Annotations.OfType<ReplicaAnnotation>().LastOrDefault()?.Replicas ?? 1);
        Assert.False(builder.Resources.Any(r => r.Name == "postgres"), "SQLite is the default store: no PostgreSQL server is declared.");
    }

    [Theory]
    [InlineData(BackendReplicas.ConfigurationKey, "0")]
    [InlineData(FeedbackStoreExtensions.ConfigurationKey, "mysql")]
    public async Task Invalid_settings_are_refused_with_the_setting_named(string key, string value)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var builder = await CreateAsync([$"{key}={value}"]);
        });

        Assert.Contains(key, Flatten(error), StringComparison.Ordinal);
    }

    private static IEnumerable<ResourceCommandAnnotation> Commands(IDistributedApplicationTestingBuilder builder, string resource) =>
        builder.Resources.Single(r => r.Name == resource).Annotations.OfType<ResourceCommandAnnotation>();

    private static string Flatten(Exception error) =>
        error.InnerException is null ? error.Message : $"{error.Message} {Flatten(error.InnerException)}";

    private async Task<IDistributedApplicationTestingBuilder> CreateAsync(string[] settings) =>
        await DistributedApplicationTestingBuilder.CreateAsync<Projects.AllClassifier_AppHost>(
            [
                $"AllClassifier:DataRoot={_dataRoot}",
                "AllClassifier:Containers=never",
                $"Parameters:{AccessExtensions.ApiKeyParameter}=apphost-test-api-key",
                $"Parameters:{AccessExtensions.FirstAdminPasswordParameter}=Apphost-admin-password-1",
                .. settings,
            ]);
}
