using AllClassifier.Feedback.Audit;
using AllClassifier.Api.Audit;
using AllClassifier.Api.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AllClassifier.Api.Tests.Audit;

/// <summary>
/// Retention over the real API's database: the sweep runs on a clock moved forward, deletes what is past its time and
/// leaves a chain that still verifies; tampering with its checkpoint is found.
/// </summary>
public sealed class RetentionTests : KeyedApiTests
{
    [Fact]
    public async Task Expired_images_and_old_records_go_and_the_chain_still_verifies()
    {
        var pending = (await AuditApi.PredictAsync(Client, TestImages.Jpeg(seed: 701))).GetProperty("prediction_id").GetString()!;
        var caseId = (await AuditApi.CreateCaseAsync(Client, "R-1")).GetProperty("case_id").GetString()!;
        var upload = await AuditApi.UploadAsync(Client, caseId, TestImages.Jpeg(seed: 702), "r.jpg");
        var decision = upload.GetProperty("class_name").GetString() == "Pro" ? "Pre" : "Pro";
        await ApiAssert.OkJsonAsync(await AuditApi.ReviewAsync(Client, caseId, upload.GetProperty("prediction_id").GetString()!, decision));
        var correction = await ApiAssert.OkJsonAsync(await Client.SendAsync(
            AuditApi.As(HttpMethod.Post, "/feedback", content: AuditApi.CorrectionByPrediction(pending, "Early"))));

        // Deleting a correction (its image with it) leaves the chain intact: it holds hashes only.
        await ApiAssert.OkJsonAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Delete, $"/feedback/{correction.GetProperty("id").GetInt64()}")));
        Assert.True((await AuditApi.VerifyAsync(Client)).GetProperty("ok").GetBoolean());
        var records = AuditRows.Records(Api.DatabasePath).Count;

        // An hour and a bit later the pending image has gone, the case's has not, and nothing of the chain.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(61));
        Assert.Equal(0, await Sweeper(clock).SweepAsync(CancellationToken.None));
        Assert.Equal(["case"], ImageOwners());
        await ApiAssert.ErrorAsync(
            await Client.SendAsync(AuditApi.As(HttpMethod.Post, "/feedback", content: AuditApi.CorrectionByPrediction(pending, "Pre"))), 410, "prediction_expired", "no longer kept");
        Assert.Equal(records, AuditRows.Records(Api.DatabasePath).Count);

        // Past the retention: records, the case and its image go; a retention record and the checkpoint stay.
        clock.SetUtcNow(DateTimeOffset.UtcNow.AddDays(181));
        Assert.Equal(records, await Sweeper(clock).SweepAsync(CancellationToken.None));
        Assert.Equal(["retention"], AuditRows.Records(Api.DatabasePath).Select(r => r.Kind));
        Assert.Empty(ImageOwners());
        await ApiAssert.ErrorAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Get, $"/cases/{caseId}")), 404, "unknown_case", caseId);
        var verified = await AuditApi.VerifyAsync(Client);
        Assert.True(verified.GetProperty("ok").GetBoolean(), verified.ToString());
        Assert.Equal(1, verified.GetProperty("records").GetInt64());

        await AuditApi.PredictAsync(Client, TestImages.Jpeg(seed: 703));
        Assert.True((await AuditApi.VerifyAsync(Client)).GetProperty("ok").GetBoolean());

        // A checkpoint moved to hide deleted records no longer matches the chain.
        AuditRows.Execute(Api.DatabasePath, "UPDATE audit_checkpoint SET through_seq = through_seq - 1");
        verified = await AuditApi.VerifyAsync(Client);
        Assert.False(verified.GetProperty("ok").GetBoolean());
        Assert.Equal("missing_records", verified.GetProperty("first_break").GetProperty("code").GetString());
    }

    private AuditRetentionService Sweeper(TimeProvider clock) => new(
        new AuditLedger(Api.Services.GetRequiredService<AuditDatabase>(), clock),
        Api.Services.GetRequiredService<IOptions<AuditOptions>>(),
        clock,
        NullLogger<AuditRetentionService>.Instance);

    private List<string> ImageOwners()
    {
        using var connection = new SqliteConnection($"Data Source={Api.DatabasePath}");
        connection.Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT CASE WHEN case_id IS NULL THEN 'pending' ELSE 'case' END FROM audit_images ORDER BY 1";
        using var reader = select.ExecuteReader();
        var owners = new List<string>();
        while (reader.Read())
        {
            owners.Add(reader.GetString(0));
        }

        return owners;
    }
}
