using System.Net;
using System.Text.Json;
using AllClassifier.Api.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace AllClassifier.Api.Tests.Durability;

public sealed class DiskFullTests
{
    [TmpfsFact]
    public async Task A_full_disk_answers_507_stores_nothing_and_the_store_recovers_when_space_returns()
    {
        using var disk = TmpfsMount.Create(sizeBytes: 4 * 1024 * 1024);
        using (var api = new ApiFactory(feedbackDirectory: disk.Path))
        {
            var client = api.CreateClient();
            var image = TestImages.Png(seed: 61);
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/feedback", Forms.Feedback("Pre", "Pro", TestImages.Png(seed: 60), "a.png", "image/png"))).StatusCode);

            var filler = disk.FillRemainingSpace();
            var refused = await client.PostAsync("/feedback", Forms.Feedback("Pre", "Pro", image, "b.png", "image/png"));
            Assert.Equal(HttpStatusCode.InsufficientStorage, refused.StatusCode);
            var detail = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString();
            Assert.Contains("not stored", detail);
            Assert.Equal(1, await ApiAssert.FeedbackCountAsync(client));

            File.Delete(filler);
            var stored = await ApiAssert.OkJsonAsync(await client.PostAsync("/feedback", Forms.Feedback("Pre", "Pro", image, "b.png", "image/png")));
            Assert.Equal(2, stored.GetProperty("feedback_count").GetInt64());
            Assert.Equal(2, await ApiAssert.FeedbackCountAsync(client));
        }

        SqliteConnection.ClearAllPools();
        using var connection = new SqliteConnection($"Data Source={Path.Combine(disk.Path, "feedback.db")}");
        connection.Open();
        using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        Assert.Equal("ok", check.ExecuteScalar());
        SqliteConnection.ClearAllPools();
    }
}
