using AllClassifier.Model.Registry;
using AllClassifier.Feedback;
using AllClassifier.Trainer.Pipeline;
using Microsoft.Data.Sqlite;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AllClassifier.Trainer.Tests;

/// <summary>A fresh directory under the system temp folder, deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "allclassifier-trainer-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Keeps what the pipeline reports so tests can assert on it.</summary>
public sealed class RecordingReporter : IPipelineReporter
{
    private readonly Lock _lock = new();

    public List<string> Infos { get; } = [];

    public List<string> Warnings { get; } = [];

    public void Info(string message)
    {
        lock (_lock)
        {
            Infos.Add(message);
        }
    }

    public void Warning(string message)
    {
        lock (_lock)
        {
            Warnings.Add(message);
        }
    }

    public T WithProgress<T>(string description, int total, Func<IProgress<int>, T> work) => work(new Progress<int>());
}

public static class TestImages
{
    /// <summary>A deterministic image whose pixels depend on <paramref name="variant"/>.</summary>
    public static Image<Rgb24> Pattern(int variant, int width = 64, int height = 48)
    {
        var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                image[x, y] = new Rgb24((byte)((x * 3) + (variant * 40)), (byte)((y * 5) + (variant * 17)), (byte)((x + y + (variant * 29)) % 256));
            }
        }

        return image;
    }

    public static byte[] Png(int variant, int width = 64, int height = 48)
    {
        using var image = Pattern(variant, width, height);
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    public static byte[] Bmp(int variant, int width = 64, int height = 48)
    {
        using var image = Pattern(variant, width, height);
        using var stream = new MemoryStream();
        image.SaveAsBmp(stream);
        return stream.ToArray();
    }
}

/// <summary>Creates feedback databases: the original stack's five-column table, or the API's (<see cref="FeedbackTable.CreateSql"/>).</summary>
public static class FeedbackDatabase
{
    public static string CreateWithApiSchema(string path)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = FeedbackTable.CreateSql;
        command.ExecuteNonQuery();
        return path;
    }

    public static string Create(string path)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE feedback(id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL, correct TEXT, predicted TEXT, img BLOB)";
        command.ExecuteNonQuery();
        return path;
    }

    public static void Insert(string path, string? correct, byte[]? image, string predicted = "Benign", string? sha256 = null)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sha256 is null
            ? "INSERT INTO feedback(ts, correct, predicted, img) VALUES (1700000000.5, $correct, $predicted, $img)"
            : "INSERT INTO feedback(ts, correct, predicted, img, sha256) VALUES (1700000000.5, $correct, $predicted, $img, $sha256)";
        command.Parameters.AddWithValue("$sha256", (object?)sha256 ?? DBNull.Value);
        command.Parameters.AddWithValue("$correct", (object?)correct ?? DBNull.Value);
        command.Parameters.AddWithValue("$predicted", predicted);
        command.Parameters.AddWithValue("$img", (object?)image ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}

/// <summary>Registry versions as the trainer registers them, for tests that only need their feedback high-water mark.</summary>
public static class TrainedVersions
{
    public static RegisteredVersion Register(string registryRoot, long feedbackHighWaterMark) =>
        new LocalModelRegistry(registryRoot).Register([0x08, 0x03], version => new ModelCard
        {
            RunId = $"run-{version}",
            Metrics = EvaluationMetrics.FromPredictions([0, 1], [0, 1], meanLatencyMs: 1),
            TrainingDataHash = new string('a', 64),
            FeedbackHighWaterMark = feedbackHighWaterMark,
        });
}
