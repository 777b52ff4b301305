namespace AllClassifier.Web.Tests.Infrastructure;

/// <summary>A test class's web app over its own <see cref="FakeBackendServer"/>, started and stopped per test.</summary>
public abstract class WebWithFakeBackend(int initialFeedbackCount = 0, IReadOnlyDictionary<string, string?>? settings = null) : IAsyncLifetime
{
    protected FakeBackendServer Backend { get; private set; } = null!;

    protected WebAppFactory Web { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Backend = await FakeBackendServer.StartAsync(initialFeedbackCount);
        Web = new WebAppFactory(Backend.Address, settings);
    }

    public async Task DisposeAsync()
    {
        await Web.DisposeAsync();
        await Backend.DisposeAsync();
    }
}
