using AllClassifier.Api.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace AllClassifier.Api.Tests.Audit;

/// <summary>
/// Tests against one real API host that takes the web app's key (<see cref="AuditApi.KeyedSettings"/>) and serves the
/// test model as v1 before the first test runs.
/// </summary>
public abstract class KeyedApiTests : IAsyncLifetime
{
    protected ApiFactory Api { get; } = new(settings: AuditApi.KeyedSettings());

    protected HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        TestModels.Register(Api.RegistryDirectory, TestModels.Model);
        await Api.WaitForModelVersionAsync(1);
        Client = Api.CreateClient();
    }

    public Task DisposeAsync()
    {
        Api.Dispose();
        // Pooled connections would keep the deleted database files open.
        SqliteConnection.ClearAllPools();
        return Task.CompletedTask;
    }
}
