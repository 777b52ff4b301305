using System.Security.Cryptography;
using System.Text.Json;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Model.Registry;
using Microsoft.Data.Sqlite;

namespace AllClassifier.Api.Tests.Audit;

/// <summary>Prediction records and corrections that point at them, against the real API over a real SQLite file.</summary>
public sealed class PredictionRecordTests : KeyedApiTests
{
    [Fact]
    public async Task Predict_answers_a_prediction_id_and_writes_one_chained_record_without_the_image()
    {
        var image = TestImages.Jpeg(seed: 301);
        var prediction = await AuditApi.PredictAsync(Client, image);

        var id = prediction.GetProperty("prediction_id").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal(4, prediction.GetProperty("probabilities").GetArrayLength());
        Assert.NotEqual(id, (await AuditApi.PredictAsync(Client, image)).GetProperty("prediction_id").GetString());

        var records = AuditRows.Records(Api.DatabasePath);
        Assert.Equal(2, records.Count);
        using var body = JsonDocument.Parse(records[0].Body);
        var data = body.RootElement.GetProperty("data");
        Assert.Equal("prediction", body.RootElement.GetProperty("kind").GetString());
        Assert.Equal("web:alice", body.RootElement.GetProperty("caller").GetString());
        Assert.Equal(id, data.GetProperty("prediction_id").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(image)), data.GetProperty("image_sha256").GetString());
        Assert.Equal(new LocalModelRegistry(Api.RegistryDirectory).Champion()!.Card.ModelSha256, data.GetProperty("model_sha256").GetString());
        Assert.Equal(1, data.GetProperty("model_version").GetInt32());
        Assert.False(data.GetProperty("heatmap_shown").GetBoolean());
        Assert.Equal(prediction.GetProperty("refer").GetBoolean(), data.GetProperty("refer").GetBoolean());
        Assert.Equal(prediction.GetProperty("refer_reasons").GetArrayLength(), data.GetProperty("refer_reasons").GetArrayLength());
        Assert.True(records[0].Body.Length < 2000, "the record holds no image bytes");
        Assert.Equal(records[0].Hash, records[1].PrevHash);

        var verified = await AuditApi.VerifyAsync(Client);
        Assert.True(verified.GetProperty("ok").GetBoolean());
        Assert.Equal(2, verified.GetProperty("records").GetInt64());
        Assert.Equal(JsonValueKind.Null, verified.GetProperty("first_break").ValueKind);
    }

    [Fact]
    public async Task Explain_records_a_shown_heat_map_and_names_the_record_in_a_header()
    {
        var response = await Client.SendAsync(AuditApi.As(HttpMethod.Post, "/explain", content: Forms.Image(TestImages.Jpeg(seed: 302))));
        Assert.True(response.IsSuccessStatusCode);
        var id = Assert.Single(response.Headers.GetValues("X-Prediction-Id"));

        using var body = JsonDocument.Parse(Assert.Single(AuditRows.Records(Api.DatabasePath)).Body);
        Assert.Equal(id, body.RootElement.GetProperty("subject").GetString());
        Assert.True(body.RootElement.GetProperty("data").GetProperty("heatmap_shown").GetBoolean());
        Assert.Equal("explain", body.RootElement.GetProperty("data").GetProperty("source").GetString());
    }

    [Fact]
    public async Task A_correction_naming_its_prediction_after_a_promotion_records_the_version_that_predicted()
    {
        var image = TestImages.Jpeg(seed: 303);
        var prediction = await AuditApi.PredictAsync(Client, image);
        var id = prediction.GetProperty("prediction_id").GetString()!;
        var predictedName = prediction.GetProperty("class_name").GetString()!;

        TestModels.Register(Api.RegistryDirectory, TestModels.Compose(TestModels.RandomHead(seed: 8)));
        await Api.WaitForModelVersionAsync(2);

        var stored = await ApiAssert.OkJsonAsync(await Client.SendAsync(
            AuditApi.As(HttpMethod.Post, "/feedback", "carol", AuditApi.CorrectionByPrediction(id, predictedName == "Pro" ? "Benign" : "Pro"))));
        Assert.True(stored.GetProperty("stored").GetBoolean());

        var row = FeedbackDatabase.Last(Api.DatabasePath);
        Assert.Equal(stored.GetProperty("id").GetInt64(), row.Id);
        Assert.Equal(1L, row.ModelVersion);
        Assert.Equal(predictedName, row.Predicted);
        Assert.Equal(image, row.Img);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(image)), row.Sha256);
        Assert.Equal("web:carol", row.SentBy);

        var kinds = AuditRows.Records(Api.DatabasePath).Select(record => record.Kind).ToList();
        Assert.Equal(["prediction", "correction"], kinds);
        Assert.True((await AuditApi.VerifyAsync(Client)).GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task Corrections_for_unknown_expired_or_doubly_given_predictions_are_refused_and_store_nothing()
    {
        var image = TestImages.Jpeg(seed: 304);
        var id = (await AuditApi.PredictAsync(Client, image)).GetProperty("prediction_id").GetString()!;
        var before = await ApiAssert.FeedbackCountAsync(Client);
        var recordsBefore = AuditRows.Records(Api.DatabasePath).Count;

        await ApiAssert.ErrorAsync(
            await Client.SendAsync(AuditApi.As(HttpMethod.Post, "/feedback", content: AuditApi.CorrectionByPrediction(new string('0', 32), "Pre"))),
            404, "unknown_prediction", "no prediction");
        await ApiAssert.ErrorAsync(
            await Client.SendAsync(AuditApi.As(HttpMethod.Post, "/feedback", content: AuditApi.CorrectionByPrediction("not-an-id", "Pre"))),
            404, "unknown_prediction", "no prediction");
        await ApiAssert.ErrorAsync(
            await Client.SendAsync(AuditApi.As(HttpMethod.Post, "/feedback", content: AuditApi.CorrectionByPrediction(id, "Purple"))),
            422, "unknown_label", "correct_label");
        var both = AuditApi.CorrectionByPrediction(id, "Pre");
        both.Add(new ByteArrayContent(image), "file", "smear.jpg");
        await ApiAssert.ErrorAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Post, "/feedback", content: both)), 422, "ambiguous_correction", "not both");

        AuditRows.Execute(Api.DatabasePath, "UPDATE audit_images SET expires_ts = 1");
        await ApiAssert.ErrorAsync(
            await Client.SendAsync(AuditApi.As(HttpMethod.Post, "/feedback", content: AuditApi.CorrectionByPrediction(id, "Pre"))),
            410, "prediction_expired", "no longer kept");

        Assert.Equal(before, await ApiAssert.FeedbackCountAsync(Client));
        Assert.Equal(recordsBefore, AuditRows.Records(Api.DatabasePath).Count);
    }

    [Fact]
    public async Task The_original_clients_correction_with_a_file_still_works()
    {
        var stored = await ApiAssert.OkJsonAsync(await Client.SendAsync(
            AuditApi.As(HttpMethod.Post, "/feedback", content: Forms.Feedback("Pre", "Pro", TestImages.Jpeg(seed: 305)))));
        Assert.True(stored.GetProperty("stored").GetBoolean());
        Assert.Equal("Pre", FeedbackDatabase.Last(Api.DatabasePath).Correct);
    }

    [Fact]
    public async Task Editing_or_deleting_one_record_in_the_database_makes_verification_name_it()
    {
        for (var seed = 0; seed < 4; seed++)
        {
            await AuditApi.PredictAsync(Client, TestImages.Jpeg(seed: 310 + seed));
        }

        Assert.True((await AuditApi.VerifyAsync(Client)).GetProperty("ok").GetBoolean());
        var records = AuditRows.Records(Api.DatabasePath);

        // An edited class, hash left alone: that record's hash no longer matches.
        var original = records[1].Body;
        AuditRows.Execute(Api.DatabasePath, "UPDATE audit_records SET body = replace(body, '\"model_version\":1', '\"model_version\":7') WHERE seq = 2");
        var verified = await AuditApi.VerifyAsync(Client);
        Assert.False(verified.GetProperty("ok").GetBoolean());
        Assert.Equal(2, verified.GetProperty("first_break").GetProperty("seq").GetInt64());
        Assert.Equal(records[1].RecordId, verified.GetProperty("first_break").GetProperty("record_id").GetString());
        Assert.Equal("hash_mismatch", verified.GetProperty("first_break").GetProperty("code").GetString());

        // Edited and re-hashed: the next record no longer names it.
        var forged = original.Replace("\"model_version\":1", "\"model_version\":7", StringComparison.Ordinal);
        AuditRows.Execute(Api.DatabasePath, $"UPDATE audit_records SET body = '{forged}', hash = '{Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(forged)))}' WHERE seq = 2");
        verified = await AuditApi.VerifyAsync(Client);
        Assert.Equal(3, verified.GetProperty("first_break").GetProperty("seq").GetInt64());
        Assert.Equal("prev_hash_mismatch", verified.GetProperty("first_break").GetProperty("code").GetString());

        // Restored, then one record deleted.
        AuditRows.Execute(Api.DatabasePath, $"UPDATE audit_records SET body = '{original}', hash = '{records[1].Hash}' WHERE seq = 2");
        Assert.True((await AuditApi.VerifyAsync(Client)).GetProperty("ok").GetBoolean());
        AuditRows.Execute(Api.DatabasePath, "DELETE FROM audit_records WHERE seq = 3");
        verified = await AuditApi.VerifyAsync(Client);
        Assert.Equal(4, verified.GetProperty("first_break").GetProperty("seq").GetInt64());
        Assert.Equal("missing_records", verified.GetProperty("first_break").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Audit_endpoints_need_a_key()
    {
        await ApiAssert.ErrorAsync(await Client.GetAsync("/audit/verify"), 401, "unauthorized", "X-Api-Key");
        await ApiAssert.ErrorAsync(await Client.GetAsync("/audit/predictions"), 401, "unauthorized", "X-Api-Key");
        await ApiAssert.ErrorAsync(await Client.GetAsync("/cases"), 401, "unauthorized", "X-Api-Key");
    }
}

/// <summary>Direct reads and edits of the audit tables in a test's SQLite file, as someone with the file would make them.</summary>
public static class AuditRows
{
    public sealed record Row(long Seq, string RecordId, string Kind, string Body, string PrevHash, string Hash);

    public static List<Row> Records(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT seq, record_id, kind, body, prev_hash, hash FROM audit_records ORDER BY seq";
        using var reader = select.ExecuteReader();
        var rows = new List<Row>();
        while (reader.Read())
        {
            rows.Add(new Row(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5)));
        }

        return rows;
    }

    public static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
