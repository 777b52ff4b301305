using AllClassifier.Api.Tests.Infrastructure;

namespace AllClassifier.Api.Tests.Access;

public sealed class FeedbackMigrationTests
{
    [Fact]
    public async Task A_database_with_only_the_LLD_columns_gains_the_extra_columns_and_keeps_its_rows()
    {
        var feedback = Directory.CreateTempSubdirectory("allclassifier-old-feedback-").FullName;
        FeedbackDatabase.CreateWithOriginalSchema(Path.Combine(feedback, "feedback.db"), [(1700000000.5, "Pre")]);
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
}
