using System.Text.Json;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Tests.Postgres;
using Npgsql;

namespace AllClassifier.Api.Tests.Audit;

/// <summary>The audit chain and cases with <c>ConnectionStrings:feedback</c> set: the same answers, records in PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresAuditTests(PostgresServer server)
{
    [Fact]
    public async Task Records_chain_in_PostgreSQL_corrections_name_the_predicting_version_and_an_edit_is_found()
    {
        var connectionString = await server.CreateDatabaseAsync();
        using var api = await ServingAsync(connectionString);
        var client = api.CreateClient();

        var image = TestImages.Jpeg(seed: 501);
        var prediction = await AuditApi.PredictAsync(client, image);
        var id = prediction.GetProperty("prediction_id").GetString()!;
        await AuditApi.PredictAsync(client, TestImages.Jpeg(seed: 502));
        TestModels.Register(api.RegistryDirectory, TestModels.Compose(TestModels.RandomHead(seed: 9)));
        await api.WaitForModelVersionAsync(2);
        await ApiAssert.OkJsonAsync(await client.SendAsync(AuditApi.As(HttpMethod.Post, "/feedback", content: AuditApi.CorrectionByPrediction(id, "Early"))));

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var row = new NpgsqlCommand("SELECT model_version, img, predicted FROM feedback", connection))
        await using (var reader = await row.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(1, reader.GetInt32(0));
            Assert.Equal(image, (byte[])reader[1]);
            Assert.Equal(prediction.GetProperty("class_name").GetString(), reader.GetString(2));
        }

        var verified = await AuditApi.VerifyAsync(client);
        Assert.True(verified.GetProperty("ok").GetBoolean());
        Assert.Equal(3, verified.GetProperty("records").GetInt64());

        await using (var edit = new NpgsqlCommand("UPDATE audit_records SET body = replace(body, '\"caller\":\"web:alice\"', '\"caller\":\"web:mallory\"') WHERE seq = 2", connection))
        {
            Assert.Equal(1, await edit.ExecuteNonQueryAsync());
        }

        verified = await AuditApi.VerifyAsync(client);
        Assert.False(verified.GetProperty("ok").GetBoolean());
        Assert.Equal(2, verified.GetProperty("first_break").GetProperty("seq").GetInt64());
        Assert.Equal("hash_mismatch", verified.GetProperty("first_break").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Two_API_hosts_predicting_at_once_keep_one_linear_chain_and_a_case_signs_off()
    {
        var connectionString = await server.CreateDatabaseAsync();
        using var first = await ServingAsync(connectionString);
        using var second = await ServingAsync(connectionString);
        const int PerHost = 8;

        var ids = await Task.WhenAll(new[] { first, second }.SelectMany((api, host) => Enumerable.Range(0, PerHost).Select(async i =>
        {
            using var client = api.CreateClient();
            return (await AuditApi.PredictAsync(client, TestImages.Jpeg(seed: 520 + (host * PerHost) + i))).GetProperty("prediction_id").GetString()!;
        })));
        Assert.Equal(2 * PerHost, ids.Distinct().Count());

        var verified = await AuditApi.VerifyAsync(second.CreateClient());
        Assert.True(verified.GetProperty("ok").GetBoolean(), verified.ToString());
        Assert.Equal(2 * PerHost, verified.GetProperty("records").GetInt64());

        var client1 = first.CreateClient();
        var caseId = (await AuditApi.CreateCaseAsync(client1, "PG-1")).GetProperty("case_id").GetString()!;
        var upload = await AuditApi.UploadAsync(client1, caseId, TestImages.Jpeg(seed: 540), "a.jpg");
        await ApiAssert.ErrorAsync(await client1.SendAsync(AuditApi.As(HttpMethod.Post, "/cases", content: System.Net.Http.Json.JsonContent.Create(new { accession = "PG-1" }))), 409, "case_exists", "PG-1");
        var client2 = second.CreateClient();
        await ApiAssert.OkJsonAsync(await AuditApi.ReviewAsync(client2, caseId, upload.GetProperty("prediction_id").GetString()!, "NotAssessable"));
        var signed = await ApiAssert.OkJsonAsync(await client2.SendAsync(AuditApi.As(HttpMethod.Post, $"/cases/{caseId}/signoff")));
        Assert.Equal("signed", signed.GetProperty("status").GetString());
        Assert.Equal(1, signed.GetProperty("summary").GetProperty("not_assessable").GetInt32());
        await ApiAssert.ErrorAsync(await client1.SendAsync(AuditApi.As(HttpMethod.Post, $"/cases/{caseId}/signoff")), 409, "case_signed", "already signed");

        var export = await ApiAssert.OkJsonAsync(await client1.SendAsync(AuditApi.As(HttpMethod.Get, "/audit/predictions")));
        Assert.True(export.GetProperty("verification").GetProperty("ok").GetBoolean());
        Assert.Equal(["case_created", "prediction", "review", "signoff"],
            export.GetProperty("records").EnumerateArray().Where(r => r.GetProperty("case_id").GetString() == caseId).Select(r => r.GetProperty("kind").GetString()));
    }

    private static async Task<ApiFactory> ServingAsync(string connectionString)
    {
        var api = new ApiFactory(settings: AuditApi.KeyedSettings(new Dictionary<string, string?>
        {
            ["ConnectionStrings:feedback"] = connectionString,
        }));
        TestModels.Register(api.RegistryDirectory, TestModels.Model);
        await api.WaitForModelVersionAsync(1);
        return api;
    }
}
