using System.Net;
using System.Text.Json;
using AllClassifier.Api.Access;
using AllClassifier.Api.Tests.Infrastructure;

namespace AllClassifier.Api.Tests.Access;

public sealed class FeedbackAdminTests(KeyedApiFactory api) : IClassFixture<KeyedApiFactory>
{
    private readonly HttpClient _client = api.CreateClient();

    [Fact]
    public async Task Deleting_a_row_needs_a_key_and_removes_exactly_that_row()
    {
        var stored = await ApiAssert.OkJsonAsync(await _client.SendAsync(ApiKeyTests.FeedbackRequest(ApiKeyTests.ScriptKey, seed: 40)));
        var id = FeedbackDatabase.Last(api.DatabasePath).Id;
        var count = stored.GetProperty("feedback_count").GetInt64();

        await ApiAssert.ErrorAsync(await _client.DeleteAsync($"/feedback/{id}"), 401, "unauthorized", "X-Api-Key");
        Assert.Equal(count, FeedbackDatabase.Count(api.DatabasePath));

        var deleted = await ApiAssert.OkJsonAsync(await _client.SendAsync(WithKey(HttpMethod.Delete, $"/feedback/{id}")));
        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        Assert.Equal(count - 1, deleted.GetProperty("feedback_count").GetInt64());
        Assert.Equal(count - 1, FeedbackDatabase.Count(api.DatabasePath));

        await ApiAssert.ErrorAsync(await _client.SendAsync(WithKey(HttpMethod.Delete, $"/feedback/{id}")), 404, "no_such_feedback_row", $"no feedback row {id}");

        // The client's name is the identity in the request's log entries.
        var entry = Assert.Single(api.Logs.GetSnapshot(), log => log.Message == $"feedback row {id} deleted by lab-script");
        Assert.Contains(entry.Scopes.OfType<IEnumerable<KeyValuePair<string, object>>>().SelectMany(scope => scope),
            pair => pair is { Key: "Client", Value: "lab-script" });
    }

    [Fact]
    public async Task Rows_are_listed_newest_first_without_images_only_with_a_key()
    {
        await ApiAssert.OkJsonAsync(await _client.SendAsync(ApiKeyTests.FeedbackRequest(ApiKeyTests.ScriptKey, seed: 41)));

        await ApiAssert.ErrorAsync(await _client.GetAsync("/feedback/rows"), 401, "unauthorized", "X-Api-Key");
        var listed = await ApiAssert.OkJsonAsync(await _client.SendAsync(WithKey(HttpMethod.Get, "/feedback/rows?limit=1")));

        var row = Assert.Single(listed.GetProperty("rows").EnumerateArray());
        Assert.Equal(FeedbackDatabase.Last(api.DatabasePath).Id, row.GetProperty("id").GetInt64());
        Assert.Equal("lab-script", row.GetProperty("sent_by").GetString());
        Assert.Equal("Pre", row.GetProperty("correct").GetString());
        Assert.False(row.TryGetProperty("img", out _));
        await ApiAssert.ErrorAsync(await _client.SendAsync(WithKey(HttpMethod.Get, "/feedback/rows?limit=0")), 422, "invalid_limit", "limit");
    }

    [Fact]
    public async Task Client_file_names_and_image_bytes_never_reach_the_logs()
    {
        var image = TestImages.Jpeg(seed: 42);
        var request = new HttpRequestMessage(HttpMethod.Post, "/feedback") { Content = Forms.Feedback("Pre", "Pro", image, "patient-4711-doe.jpg") };
        request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, ApiKeyTests.ScriptKey);
        await ApiAssert.OkJsonAsync(await _client.SendAsync(request));
        await _client.PostAsync("/predict", Forms.Image(image, "patient-4711-doe.jpg"));
        await _client.PostAsync("/predict", Forms.Image("not an image"u8.ToArray(), "patient-4711-doe.png", "image/png"));

        var logs = api.Logs.GetSnapshot();
        Assert.NotEmpty(logs);
        Assert.DoesNotContain(logs, log => log.Message.Contains("4711", StringComparison.Ordinal)
            || (log.Exception?.ToString().Contains("4711", StringComparison.Ordinal) ?? false)
            || log.StructuredState?.Any(pair => pair.Value?.Contains("4711", StringComparison.Ordinal) == true) == true);
    }

    private static HttpRequestMessage WithKey(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add(ApiKeyAuthenticationHandler.HeaderName, ApiKeyTests.ScriptKey);
        return request;
    }
}

public sealed class FeedbackRetentionTests
{
    [Fact]
    public async Task Rows_older_than_the_retention_are_deleted_and_newer_ones_kept()
    {
        var feedback = Directory.CreateTempSubdirectory("allclassifier-retention-").FullName;
        var now = DateTimeOffset.UtcNow;
        FeedbackDatabase.CreateWithOriginalSchema(
            Path.Combine(feedback, "feedback.db"),
            [(Unix(now.AddDays(-30)), "expired"), (Unix(now.AddDays(-8)), "expired"), (Unix(now.AddDays(-6)), "kept"), (Unix(now.AddHours(-1)), "kept")]);
        await using var api = new ApiFactory(feedback, new Dictionary<string, string?> { ["FEEDBACK_RETENTION_DAYS"] = "7" });
        _ = api.Services;

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (FeedbackDatabase.Count(api.DatabasePath) != 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(2, FeedbackDatabase.Count(api.DatabasePath));
        Assert.Equal("kept", FeedbackDatabase.Last(api.DatabasePath).Correct);
        Directory.Delete(feedback, recursive: true);
    }

    [Fact]
    public async Task Without_a_retention_nothing_is_deleted()
    {
        var feedback = Directory.CreateTempSubdirectory("allclassifier-retention-").FullName;
        FeedbackDatabase.CreateWithOriginalSchema(Path.Combine(feedback, "feedback.db"), [(Unix(DateTimeOffset.UtcNow.AddYears(-5)), "old")]);
        await using var api = new ApiFactory(feedback);

        Assert.Equal(1, await ApiAssert.FeedbackCountAsync(api.CreateClient()));
        Directory.Delete(feedback, recursive: true);
    }

    private static double Unix(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;
}
