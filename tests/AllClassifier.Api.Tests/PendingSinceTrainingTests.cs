using AllClassifier.Api.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace AllClassifier.Api.Tests;

/// <summary>
/// <c>GET /feedback/count</c> reports the retraining gate as the trainer applies it: the corrections stored after the
/// newest training data of any registered version (champion or not), never a NotAssessable verdict, and FB_THRESH.
/// </summary>
public sealed class PendingSinceTrainingTests : IDisposable
{
    private readonly ApiFactory _api = new(settings: new Dictionary<string, string?> { ["FB_THRESH"] = "3" });

    [Fact]
    public async Task Only_corrections_after_the_newest_trained_row_count_and_NotAssessable_never_does()
    {
        var client = _api.CreateClient();
        for (var i = 0; i < 4; i++)
        {
            await ApiAssert.OkJsonAsync(await client.PostAsync("/feedback", Forms.Feedback("pre", "1", TestImages.Jpeg(seed: 60 + i))));
        }

        // Version 1 trained on rows 1-2, version 2 (a challenger that was not promoted) on rows 1-3.
        TestModels.Register(_api.RegistryDirectory, TestModels.Model, card: card => card with { FeedbackHighWaterMark = 2 });
        TestModels.Register(_api.RegistryDirectory, TestModels.Model, makeChampion: false, card: card => card with { FeedbackHighWaterMark = 3 });
        InsertNotAssessable(_api.DatabasePath);

        var json = await ApiAssert.OkJsonAsync(await client.GetAsync("/feedback/count"));

        Assert.Equal(5, json.GetProperty("feedback_count").GetInt64());
        Assert.Equal(1, json.GetProperty("pending_since_training").GetInt64());
        Assert.Equal(3, json.GetProperty("trained_up_to").GetInt64());
        Assert.Equal(3, json.GetProperty("threshold").GetInt32());
    }

    [Fact]
    public async Task Before_any_training_every_correction_is_pending()
    {
        var client = _api.CreateClient();
        await ApiAssert.OkJsonAsync(await client.PostAsync("/feedback", Forms.Feedback("benign", "pro", TestImages.Png(seed: 64))));

        var json = await ApiAssert.OkJsonAsync(await client.GetAsync("/feedback/count"));

        Assert.Equal(1, json.GetProperty("pending_since_training").GetInt64());
        Assert.Equal(0, json.GetProperty("trained_up_to").GetInt64());
    }

    public void Dispose() => _api.Dispose();

    // The verdict "not a smear / unusable image" as the table keeps it; written directly, as any client could have.
    private static void InsertNotAssessable(string databasePath)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=false");
        connection.Open();
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO feedback(ts, correct, predicted, img) VALUES (1700000000.5, 'NotAssessable', 'Pre', x'0102')";
        insert.ExecuteNonQuery();
    }
}
