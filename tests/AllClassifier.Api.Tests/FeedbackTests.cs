using System.Security.Cryptography;
using AllClassifier.Api.Tests.Infrastructure;

namespace AllClassifier.Api.Tests;

[Collection(ServingApiCollection.Name)]
public sealed class FeedbackTests(ServingApiFactory api)
{
    private readonly HttpClient _client = api.CreateClient();

    [Fact]
    public async Task Feedback_is_stored_in_the_LLD_table_with_class_names_and_the_original_bytes()
    {
        var image = TestImages.Jpeg(seed: 51);
        var before = await ApiAssert.FeedbackCountAsync(_client);
        var sent = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

        var json = await ApiAssert.OkJsonAsync(await _client.PostAsync("/feedback", Forms.Feedback("pre", "1", image)));

        Assert.True(json.GetProperty("stored").GetBoolean());
        Assert.Equal(before + 1, json.GetProperty("feedback_count").GetInt64());
        Assert.Equal(before + 1, await ApiAssert.FeedbackCountAsync(_client));
        var row = FeedbackDatabase.Last(api.DatabasePath);
        Assert.Equal("Pre", row.Correct);
        Assert.Equal("Early", row.Predicted);
        Assert.Equal(image, row.Img);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(image)), row.Sha256);
        Assert.Equal(1, row.ModelVersion);
        Assert.InRange(row.Ts, sent - 5, sent + 5);
        Assert.Null(row.SentBy);
    }

    [Fact]
    public async Task A_not_assessable_verdict_is_stored_as_said_and_never_counts_towards_retraining()
    {
        var image = TestImages.Jpeg(seed: 52);
        var pendingBefore = await PendingSinceTrainingAsync();

        var json = await ApiAssert.OkJsonAsync(await _client.PostAsync("/feedback", Forms.Feedback("not_assessable", "Pre", image)));

        Assert.True(json.GetProperty("stored").GetBoolean());
        var row = FeedbackDatabase.Last(api.DatabasePath);
        Assert.Equal(("NotAssessable", "Pre"), (row.Correct, row.Predicted));
        Assert.Equal(image, row.Img);
        Assert.Equal(pendingBefore, await PendingSinceTrainingAsync());
    }

    [Fact]
    public async Task A_verdict_that_is_neither_a_class_nor_not_assessable_is_refused_naming_both()
    {
        var before = FeedbackDatabase.Count(api.DatabasePath);

        var response = await _client.PostAsync("/feedback", Forms.Feedback("unreadable", "Pre", TestImages.Jpeg(seed: 53)));

        await ApiAssert.ErrorAsync(response, 422, "unknown_label", "NotAssessable");
        Assert.Equal(before, FeedbackDatabase.Count(api.DatabasePath));
    }

    private async Task<long> PendingSinceTrainingAsync() =>
        (await ApiAssert.OkJsonAsync(await _client.GetAsync("/feedback/count"))).GetProperty("pending_since_training").GetInt64();

    [Fact]
    public async Task The_database_has_the_LLD_schema_in_WAL_mode()
    {
        // The first request creates the database, whichever test runs first.
        await ApiAssert.FeedbackCountAsync(_client);

        Assert.Equal(
            ["id INTEGER", "ts REAL", "correct TEXT", "predicted TEXT", "img BLOB", "sha256 TEXT", "model_version INTEGER", "sent_by TEXT"],
            FeedbackDatabase.Columns(api.DatabasePath));
        Assert.Equal("wal", FeedbackDatabase.JournalMode(api.DatabasePath));
    }

    [Fact]
    public async Task Thirty_two_concurrent_posts_get_exact_distinct_counts()
    {
        var before = await ApiAssert.FeedbackCountAsync(_client);
        var images = Enumerable.Range(0, 32).Select(i => TestImages.Png(seed: 600 + i)).ToList();

        var responses = await Task.WhenAll(images.Select(async (image, i) =>
        {
            using var client = api.CreateClient();
            var json = await ApiAssert.OkJsonAsync(await client.PostAsync("/feedback", Forms.Feedback("Benign", "Pro", image, $"s{i}.png", "image/png")));
            return json.GetProperty("feedback_count").GetInt64();
        }));

        Assert.Equal(Enumerable.Range(1, 32).Select(i => before + i), responses.Order());
        Assert.Equal(before + 32, await ApiAssert.FeedbackCountAsync(_client));
        Assert.Equal(before + 32, FeedbackDatabase.Count(api.DatabasePath));
    }
}
