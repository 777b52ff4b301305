using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Model;
using Microsoft.Data.Sqlite;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AllClassifier.Api.Tests.Durability;

public sealed class FeedbackDurabilityTests : IDisposable
{
    private const int Posters = 16;
    private const int Kills = 4;
    private static readonly TimeSpan RoundDeadline = TimeSpan.FromSeconds(90);

    private readonly string _root = Directory.CreateTempSubdirectory("allclassifier-durability-").FullName;

    private string FeedbackDirectory => Path.Combine(_root, "feedback");

    private string DatabasePath => Path.Combine(FeedbackDirectory, "feedback.db");

    [Fact]
    public async Task Every_acknowledged_correction_survives_SIGKILL_at_random_moments()
    {
        var random = new Random(20261201);
        var acknowledged = new ConcurrentDictionary<long, SentCorrection>();
        var settings = new Dictionary<string, string>
        {
            ["FEEDBACK_DIR"] = FeedbackDirectory,
            ["MODEL_REGISTRY_DIR"] = Path.Combine(_root, "registry"),
        };

        for (var round = 0; round < Kills; round++)
        {
            await using var api = await ApiProcess.StartAsync(settings, CancellationToken.None);
            using var stop = new CancellationTokenSource();
            var acknowledgedBefore = acknowledged.Count;
            var posters = Enumerable.Range(0, Posters)
                .Select(poster => PostUntilStoppedAsync(api.Http, (round * Posters) + poster, acknowledged, stop.Token))
                .ToArray();

            // The kill lands after a seeded number of acknowledgements, with the other posters mid-request.
            var killAfter = acknowledgedBefore + random.Next(10, 60);
            await PollAsync(() => acknowledged.Count >= killAfter || posters.Any(p => p.IsFaulted), $"{killAfter - acknowledgedBefore} acknowledgements in round {round}");
            await api.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(posters);
        }

        await using (var restarted = await ApiProcess.StartAsync(settings, CancellationToken.None))
        {
            var count = JsonDocument.Parse(await restarted.Http.GetStringAsync("/feedback/count")).RootElement.GetProperty("feedback_count").GetInt64();
            Assert.True(count >= acknowledged.Count, $"{count} rows after restart, {acknowledged.Count} acknowledged");
        }

        SqliteConnection.ClearAllPools();
        using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        connection.Open();
        Assert.Equal("ok", Scalar(connection, "PRAGMA integrity_check"));
        var rows = ReadRows(connection);
        var missing = acknowledged.Where(sent => !rows.TryGetValue(sent.Key, out var row) || row != sent.Value).Select(sent => sent.Key).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged rows are missing or differ: ids {string.Join(", ", missing.Take(20))}");
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    private static async Task PostUntilStoppedAsync(HttpClient http, int poster, ConcurrentDictionary<long, SentCorrection> acknowledged, CancellationToken stop)
    {
        var random = new Random(poster);
        for (var sequence = 0; !stop.IsCancellationRequested; sequence++)
        {
            var label = CellClasses.Names[random.Next(CellClasses.Count)];
            var image = UniquePng(random);
            try
            {
                using var response = await http.PostAsync("/feedback", Forms.Feedback(label, "Pre", image, "cell.png", "image/png"), stop);
                var body = await response.Content.ReadAsStringAsync(stop);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"poster {poster} request {sequence}: {(int)response.StatusCode} {body}");
                var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt64();
                Assert.True(acknowledged.TryAdd(id, new SentCorrection(label, Convert.ToHexStringLower(SHA256.HashData(image)))), $"id {id} acknowledged twice");
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                // Killed mid-request: no answer, so nothing was acknowledged.
                return;
            }
        }
    }

    private static byte[] UniquePng(Random random)
    {
        using var image = new Image<Rgb24>(24, 24);
        var pixels = new byte[24 * 24 * 3];
        random.NextBytes(pixels);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    var i = ((y * 24) + x) * 3;
                    row[x] = new Rgb24(pixels[i], pixels[i + 1], pixels[i + 2]);
                }
            }
        });
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    private static async Task PollAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + RoundDeadline;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(5));
        }
    }

    private static string? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar()?.ToString();
    }

    private static Dictionary<long, SentCorrection> ReadRows(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, correct, img FROM feedback";
        using var reader = command.ExecuteReader();
        var rows = new Dictionary<long, SentCorrection>();
        while (reader.Read())
        {
            rows[reader.GetInt64(0)] = new SentCorrection(reader.GetString(1), Convert.ToHexStringLower(SHA256.HashData((byte[])reader.GetValue(2))));
        }

        return rows;
    }

    private sealed record SentCorrection(string Label, string ImageSha256);
}
