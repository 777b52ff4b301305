using System.Net;
using System.Net.Http.Json;
using AllClassifier.Api.Feedback;
using AllClassifier.Training.Heads;
using AllClassifier.Training.Onnx;
using AllClassifier.Feedback;
using AllClassifier.Model.Registry;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using AllClassifier.Tests.Signing;

namespace AllClassifier.Web.Tests.Infrastructure;

/// <summary>One stored correction as the API wrote it to <c>feedback.db</c>.</summary>
public sealed record FeedbackRow(long Id, string Correct, string Predicted, int ImageBytes, string? SentBy);

/// <summary>
/// The real API on Kestrel at 127.0.0.1, serving a real ONNX model (the ResNet18 backbone composed with a seeded random
/// head by the Model library) registered as champion in a temporary registry, and storing feedback in a temporary
/// SQLite file. It knows the web app's key (<see cref="WebAppFactory.ApiKey"/>) as client <c>web</c>.
/// </summary>
public sealed class RealApi : WebApplicationFactory<FeedbackStoredResponse>
{
    private readonly string root = Directory.CreateTempSubdirectory("allclassifier-web-api-").FullName;

    public string RegistryDirectory => Path.Combine(root, "registry");

    public string FeedbackDirectory => Path.Combine(root, "feedback");

    public Uri Address { get; private set; } = null!;

    public static async Task<RealApi> StartAsync()
    {
        var api = new RealApi();
        api.RegisterChampion();
        api.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        api.StartServer();
        api.Address = api.ClientOptions.BaseAddress;
        await api.WaitForModelAsync(TimeSpan.FromSeconds(60));
        return api;
    }

    public async Task<int> FeedbackCountAsync()
    {
        using var client = new HttpClient { BaseAddress = Address };
        var body = await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/feedback/count");
        return body.GetProperty("feedback_count").GetInt32();
    }

    /// <summary>Every row of the feedback table, oldest first.</summary>
    public async Task<IReadOnlyList<FeedbackRow>> FeedbackRowsAsync()
    {
        var path = FeedbackTable.DatabasePath(FeedbackDirectory);
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, correct, predicted, length(img), sent_by FROM feedback ORDER BY id";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<FeedbackRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new FeedbackRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return rows;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MODEL_REGISTRY_DIR"] = RegistryDirectory,
            ["FEEDBACK_DIR"] = FeedbackDirectory,
            ["ModelServing:PollInterval"] = "00:00:00.200",
            // Writes need the web app's key, as in every deployment.
            ["Auth:ApiKeys:web"] = WebAppFactory.ApiKey,
            ["Logging:LogLevel:Default"] = "Warning",
            [TestSigningKey.PublicKeySetting] = TestSigningKey.PublicKey,
        }));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private void RegisterChampion()
    {
        var model = ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), SeededHead(seed: 7));
        var registry = new LocalModelRegistry(RegistryDirectory);
        var registered = registry.Register(model, version => new ModelCard
        {
            RunId = $"web-test-{version}",
            Created = new DateTimeOffset(2026, 1, 15, 9, 30, 0, TimeSpan.Zero),
            Metrics = EvaluationMetrics.FromPredictions([0, 0, 1, 1, 2, 2, 3, 3], [0, 1, 1, 1, 2, 3, 3, 3], meanLatencyMs: 48),
            TrainingDataHash = new string('c', 64),
        }, ConfusionMatrixPng(), extraFiles: null, seal: TestSigningKey.Sign);
        registry.SetAlias(registered.Version);
    }

    /// <summary>A plain 4×4 heat map standing in for the trainer's chart.</summary>
    private static byte[] ConfusionMatrixPng()
    {
        const int cell = 60;
        using var image = new Image<Rgb24>(4 * cell, 4 * cell);
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                var shade = x / cell == y / cell ? 90 : 235;
                image[x, y] = x % cell == 0 || y % cell == 0 ? new Rgb24(255, 255, 255) : new Rgb24((byte)shade, (byte)(shade - 20), 230);
            }
        }

        using var png = new MemoryStream();
        image.SaveAsPng(png);
        return png.ToArray();
    }

    /// <summary>A random but reproducible softmax head over the 512 backbone features.</summary>
    private static ClassifierHead SeededHead(int seed)
    {
        var random = new Random(seed);
        float[] Values(int count, double scale) => [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() - 0.5) * scale))];
        var mean = Values(512, 1.0).Select(Math.Abs).ToArray();
        var scale = Enumerable.Range(0, 512).Select(_ => (float)(0.5 + random.NextDouble())).ToArray();
        return new ClassifierHead(HeadKind.Softmax, mean, scale, [new DenseLayer(512, 4, Values(2048, 0.2), Values(4, 0.5))]);
    }

    private async Task WaitForModelAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = Address };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var response = await client.GetAsync("/model");
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The API served no model within {timeout}.");
            }

            await Task.Delay(50);
        }
    }
}
