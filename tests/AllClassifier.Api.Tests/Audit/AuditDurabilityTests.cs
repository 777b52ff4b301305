using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using AllClassifier.Api.Tests.Durability;
using AllClassifier.Api.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace AllClassifier.Api.Tests.Audit;

/// <summary>
/// Real API processes: SIGKILL at seeded moments loses no acknowledged prediction record, and two processes on one
/// SQLite file keep one linear chain.
/// </summary>
public sealed class AuditDurabilityTests : IDisposable
{
    private const int Posters = 8;
    private const int Kills = 3;
    private static readonly TimeSpan RoundDeadline = TimeSpan.FromSeconds(120);

    private readonly string _root = Directory.CreateTempSubdirectory("allclassifier-audit-durability-").FullName;

    private Dictionary<string, string> Settings => new()
    {
        ["FEEDBACK_DIR"] = Path.Combine(_root, "feedback"),
        ["MODEL_REGISTRY_DIR"] = Path.Combine(_root, "registry"),
    };

    private string DatabasePath => Path.Combine(_root, "feedback", "feedback.db");

    [Fact]
    public async Task Every_acknowledged_prediction_record_survives_SIGKILL_and_the_chain_verifies()
    {
        TestModels.Register(Settings["MODEL_REGISTRY_DIR"], TestModels.Model);
        var random = new Random(20261208);
        var acknowledged = new ConcurrentDictionary<string, byte>();
        for (var round = 0; round < Kills; round++)
        {
            await using var api = await ApiProcess.StartAsync(Settings, CancellationToken.None);
            using var stop = new CancellationTokenSource();
            var before = acknowledged.Count;
            var posters = Enumerable.Range(0, Posters).Select(p => PredictUntilStoppedAsync(api.Http, (round * Posters) + p, acknowledged, stop.Token)).ToArray();
            var killAfter = before + random.Next(5, 25);
            await PollAsync(() => acknowledged.Count >= killAfter || posters.Any(p => p.IsFaulted), $"{killAfter - before} predictions in round {round}");
            await api.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(posters);
        }

        await using (var restarted = await ApiProcess.StartAsync(Settings, CancellationToken.None))
        {
            var verified = JsonDocument.Parse(await restarted.Http.GetStringAsync("/audit/verify")).RootElement;
            Assert.True(verified.GetProperty("ok").GetBoolean(), verified.ToString());
            Assert.True(verified.GetProperty("records").GetInt64() >= acknowledged.Count);
        }

        SqliteConnection.ClearAllPools();
        var subjects = AuditRows.Records(DatabasePath).Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("subject").GetString()).ToHashSet();
        var missing = acknowledged.Keys.Where(id => !subjects.Contains(id)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {acknowledged.Count} acknowledged predictions have no record");
    }

    [Fact]
    public async Task Two_processes_on_one_SQLite_file_keep_one_linear_chain()
    {
        TestModels.Register(Settings["MODEL_REGISTRY_DIR"], TestModels.Model);
        await using var first = await ApiProcess.StartAsync(Settings, CancellationToken.None);
        await using var second = await ApiProcess.StartAsync(Settings, CancellationToken.None);
        const int PerReplica = 10;
        foreach (var replica in new[] { first, second })
        {
            await PollAsync(() => replica.Http.GetAsync("/model").Result.IsSuccessStatusCode, "the model to load");
        }

        var ids = await Task.WhenAll(new[] { first, second }.SelectMany((replica, r) => Enumerable.Range(0, PerReplica).Select(async i =>
        {
            using var response = await replica.Http.PostAsync("/predict", Forms.Image(TestImages.Jpeg(seed: 600 + (r * PerReplica) + i)));
            return (await ApiAssert.OkJsonAsync(response)).GetProperty("prediction_id").GetString()!;
        })));

        var verified = JsonDocument.Parse(await first.Http.GetStringAsync("/audit/verify")).RootElement;
        Assert.True(verified.GetProperty("ok").GetBoolean(), verified.ToString());
        Assert.Equal(2 * PerReplica, verified.GetProperty("records").GetInt64());
        Assert.Equal(Enumerable.Range(1, 2 * PerReplica).Select(i => (long)i), AuditRows.Records(DatabasePath).Select(r => r.Seq));
        Assert.Equal(2 * PerReplica, ids.Distinct().Count());
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }

    private static async Task PredictUntilStoppedAsync(HttpClient http, int poster, ConcurrentDictionary<string, byte> acknowledged, CancellationToken stop)
    {
        for (var sequence = 0; !stop.IsCancellationRequested; sequence++)
        {
            try
            {
                using var response = await http.PostAsync("/predict", Forms.Image(TestImages.Jpeg(seed: 10_000 + (poster * 1000) + sequence)), stop);
                var body = await response.Content.ReadAsStringAsync(stop);
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    // No model loaded yet after a restart, or the queue is full: not acknowledged, try again.
                    await Task.Delay(TimeSpan.FromMilliseconds(20), stop);
                    continue;
                }

                Assert.True(response.StatusCode == HttpStatusCode.OK, $"poster {poster} request {sequence}: {(int)response.StatusCode} {body}");
                Assert.True(acknowledged.TryAdd(JsonDocument.Parse(body).RootElement.GetProperty("prediction_id").GetString()!, 0));
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                // Killed mid-request: no answer, so nothing was acknowledged.
                return;
            }
        }
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
}
