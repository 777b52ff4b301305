using AllClassifier.Api.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace AllClassifier.Api.Tests.Access;

public sealed class FeedbackMigrationTests
{
    [Fact]
    public async Task A_database_with_only_the_LLD_columns_gains_the_extra_columns_and_keeps_its_rows()
    {
        var feedback = Directory.CreateTempSubdirectory("allclassifier-old-feedback-").FullName;
        CreateOriginalDatabase(Path.Combine(feedback, "feedback.db"));
        await using var api = new ApiFactory(feedback, new Dictionary<string, string?> { ["Auth:ApiKeys:web"] = ApiKeyTests.WebKey });
        var client = api.CreateClient();

        await ApiAssert.OkJsonAsync(await client.SendAsync(ApiKeyTests.FeedbackRequest(ApiKeyTests.WebKey, seed: 30)));

        Assert.Equal(
            ["id INTEGER", "ts REAL", "correct TEXT", "predicted TEXT", "img BLOB", "sha256 TEXT", "model_version INTEGER", "sent_by TEXT"],
            FeedbackDatabase.Columns(api.DatabasePath));
        Assert.Equal(2, FeedbackDatabase.Count(api.DatabasePath));
        Assert.Equal("web", FeedbackDatabase.Last(api.DatabasePath).SentBy);
        Directory.Delete(feedback, recursive: true);
    }

    private static void CreateOriginalDatabase(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE feedback(id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL, correct TEXT, predicted TEXT, img BLOB);
            INSERT INTO feedback(ts, correct, predicted, img) VALUES (1700000000.5, 'Pre', 'Pro', x'FFD8');
            """;
        command.ExecuteNonQuery();
    }
}
