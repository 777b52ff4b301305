using AllClassifier.Api.Replicas;
using AllClassifier.Api.Tests.Durability;
using AllClassifier.Api.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace AllClassifier.Api.Tests.Replicas;

/// <summary>
/// Two API processes on one host sharing one SQLite feedback file (the app host's default store with
/// <c>AllClassifier:BackendReplicas=2</c>): WAL mode and the busy timeout serialise their writers, so every
/// correction is stored and the counts they answer are exact. Every answer names the process that gave it.
/// </summary>
public sealed class SharedSqliteReplicaTests : IDisposable
{
    private const int PostsPerReplica = 12;
    private readonly string _root = Directory.CreateTempSubdirectory("allclassifier-replicas-").FullName;

    [Fact]
    public async Task Two_processes_on_one_SQLite_file_store_every_correction_with_exact_counts_and_name_themselves()
    {
        var settings = new Dictionary<string, string>
        {
            ["FEEDBACK_DIR"] = Path.Combine(_root, "feedback"),
            ["MODEL_REGISTRY_DIR"] = Path.Combine(_root, "registry"),
        };
        await using var first = await ApiProcess.StartAsync(settings, CancellationToken.None);
        await using var second = await ApiProcess.StartAsync(settings, CancellationToken.None);

        var answers = await Task.WhenAll(new[] { first, second }.SelectMany((replica, r) => Enumerable.Range(0, PostsPerReplica).Select(async i =>
        {
            using var response = await replica.Http.PostAsync("/feedback", Forms.Feedback("Pre", "Pro", TestImages.Png(seed: 900 + (r * PostsPerReplica) + i), "smear.png", "image/png"));
            var servedBy = Assert.Single(response.Headers.GetValues(ServedByExtensions.HeaderName));
            var json = await ApiAssert.OkJsonAsync(response);
            return (Replica: r, ServedBy: servedBy, Count: json.GetProperty("feedback_count").GetInt64());
        })));

        Assert.Equal(Enumerable.Range(1, 2 * PostsPerReplica).Select(i => (long)i), answers.Select(a => a.Count).Order());
        var names = answers.GroupBy(a => a.Replica).Select(g => Assert.Single(g.Select(a => a.ServedBy).Distinct())).ToList();
        Assert.Equal(2, names.Distinct().Count());
        // Opaque ids: a caller learns which replica answered, not the host or process behind it.
        Assert.All(names, name => Assert.Matches("^[0-9a-f]{16}$", name));
        Assert.Equal(2 * PostsPerReplica, await ApiAssert.FeedbackCountAsync(second.Http));

        // Error answers name their process too.
        using var notFound = await first.Http.GetAsync("/no-such-route");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal(names[0], Assert.Single(notFound.Headers.GetValues(ServedByExtensions.HeaderName)));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }
}
