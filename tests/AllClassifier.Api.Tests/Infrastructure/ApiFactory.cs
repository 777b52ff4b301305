using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using AllClassifier.Tests.Signing;

namespace AllClassifier.Api.Tests.Infrastructure;

/// <summary>
/// The real API in-process over a temporary registry and feedback directory (a real SQLite file and a real
/// ONNX model), with logs collected for assertions.
/// </summary>
public class ApiFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public ApiFactory(string? feedbackDirectory = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        Root = Directory.CreateTempSubdirectory("allclassifier-api-").FullName;
        RegistryDirectory = Path.Combine(Root, "registry");
        FeedbackDirectory = feedbackDirectory ?? Path.Combine(Root, "feedback");
        _settings = new Dictionary<string, string?>
        {
            ["MODEL_REGISTRY_DIR"] = RegistryDirectory,
            ["FEEDBACK_DIR"] = FeedbackDirectory,
            ["ModelServing:PollInterval"] = "00:00:00.200",
            ["Logging:LogLevel:Default"] = "Information",
            // Tests that burst requests on purpose would otherwise share one budget; RateLimitTests turn it on.
            ["RateLimiting:Enabled"] = "false",
            // The API trusts the key TestModels signs with, and nothing else.
            [TestSigningKey.PublicKeySetting] = TestSigningKey.PublicKey,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string Root { get; }

    public string RegistryDirectory { get; }

    public string FeedbackDirectory { get; }

    public string DatabasePath => Path.Combine(FeedbackDirectory, "feedback.db");

    public FakeLogCollector Logs => Services.GetFakeLogCollector();

    /// <summary>Polls the API until it serves <paramref name="version"/>, or fails after a deadline.</summary>
    public async Task WaitForModelVersionAsync(int version, TimeSpan? timeout = null)
    {
        var client = CreateClient();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var response = await client.GetAsync("/model");
            if (response.IsSuccessStatusCode)
            {
                var card = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (card.GetProperty("version").GetInt32() == version)
                {
                    return;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The API did not serve model version {version} in time.");
            }

            await Task.Delay(50);
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(_settings));
        builder.ConfigureLogging(logging => logging.AddFakeLogging());
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>An API serving model version 1 from the start.</summary>
public sealed class ServingApiFactory : ApiFactory, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        TestModels.Register(RegistryDirectory, TestModels.Model);
        await WaitForModelVersionAsync(1);
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}

[CollectionDefinition(Name)]
public sealed class ServingApiCollection : ICollectionFixture<ServingApiFactory>
{
    public const string Name = "serving API";
}
