using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using AllClassifier.Api.Tests.Infrastructure;

namespace AllClassifier.Api.Tests.Audit;

/// <summary>The case workflow end to end against the real API: create, upload, review, sign off, export.</summary>
public sealed class CaseTests : KeyedApiTests
{
    [Fact]
    public async Task A_case_is_reviewed_signed_once_read_only_after_and_exported_with_its_reviews()
    {
        var created = await AuditApi.CreateCaseAsync(Client, "S-24-0001");
        var caseId = created.GetProperty("case_id").GetString()!;
        Assert.Equal("open", created.GetProperty("status").GetString());
        Assert.Equal("web:alice", created.GetProperty("created_by").GetString());
        Assert.Equal(0, created.GetProperty("images").GetArrayLength());

        var uploads = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => AuditApi.UploadAsync(Client, caseId, TestImages.Jpeg(seed: 400 + i), $"field-{i}.jpg")));
        var ids = uploads.Select(upload => upload.GetProperty("prediction_id").GetString()!).ToList();
        Assert.All(uploads, upload => Assert.Equal(JsonValueKind.Null, upload.GetProperty("review").ValueKind));
        Assert.All(uploads, upload => Assert.Equal(1, upload.GetProperty("model_version").GetInt32()));

        var refused = await Client.SendAsync(AuditApi.As(HttpMethod.Post, $"/cases/{caseId}/signoff"));
        await ApiAssert.ErrorAsync(refused, 409, "case_unreviewed", "3 of 3 images");

        // Two confirmed, one corrected: the correction becomes a feedback row with the predicting version.
        var feedbackBefore = await ApiAssert.FeedbackCountAsync(Client);
        await ApiAssert.OkJsonAsync(await AuditApi.ReviewAsync(Client, caseId, ids[0], uploads[0].GetProperty("class_name").GetString()!));
        await ApiAssert.OkJsonAsync(await AuditApi.ReviewAsync(Client, caseId, ids[1], uploads[1].GetProperty("class_name").GetString()!));
        await ApiAssert.ErrorAsync(
            await Client.SendAsync(AuditApi.As(HttpMethod.Post, $"/cases/{caseId}/signoff")), 409, "case_unreviewed", "1 of 3 images");
        var other = uploads[2].GetProperty("class_name").GetString() == "Pro" ? "Early" : "Pro";
        var reviewed = await ApiAssert.OkJsonAsync(await AuditApi.ReviewAsync(Client, caseId, ids[2], other.ToLowerInvariant()));
        Assert.Equal(other, reviewed.GetProperty("review").GetProperty("decision").GetString());
        Assert.Equal("web:bob", reviewed.GetProperty("review").GetProperty("reviewer").GetString());
        Assert.Equal(feedbackBefore + 1, await ApiAssert.FeedbackCountAsync(Client));
        var row = FeedbackDatabase.Last(Api.DatabasePath);
        Assert.Equal((other, uploads[2].GetProperty("class_name").GetString(), 1L, "web:bob"), (row.Correct, row.Predicted, row.ModelVersion, row.SentBy));

        var signed = await ApiAssert.OkJsonAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Post, $"/cases/{caseId}/signoff", "dana")));
        Assert.Equal("signed", signed.GetProperty("status").GetString());
        Assert.Equal("web:dana", signed.GetProperty("signed_by").GetString());
        Assert.Equal([1], signed.GetProperty("model_versions").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal(3, signed.GetProperty("summary").GetProperty("accepted").GetInt32());
        Assert.Equal(3, signed.GetProperty("summary").GetProperty("per_class").EnumerateArray().Sum(c => c.GetProperty("count").GetInt32()));
        Assert.Equal(1, signed.GetProperty("summary").GetProperty("per_class").EnumerateArray().Single(c => c.GetProperty("class_name").GetString() == other).GetProperty("count").GetInt32()
            - uploads.Take(2).Count(u => u.GetProperty("class_name").GetString() == other));

        // Read-only now: nothing changes, each refusal says why.
        var recordsBefore = AuditRows.Records(Api.DatabasePath).Count;
        await ApiAssert.ErrorAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Post, $"/cases/{caseId}/signoff")), 409, "case_signed", "already signed");
        await ApiAssert.ErrorAsync(await AuditApi.ReviewAsync(Client, caseId, ids[0], "Pre"), 409, "case_signed", "read-only");
        await ApiAssert.ErrorAsync(
            await Client.SendAsync(AuditApi.As(HttpMethod.Post, $"/cases/{caseId}/images", content: Forms.Image(TestImages.Jpeg(seed: 499)))), 409, "case_signed", "read-only");
        Assert.Equal(recordsBefore, AuditRows.Records(Api.DatabasePath).Count);
        var after = await ApiAssert.OkJsonAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Get, $"/cases/{caseId}")));
        Assert.Equal(3, after.GetProperty("images").GetArrayLength());
        Assert.Equal(uploads[0].GetProperty("class_name").GetString(), after.GetProperty("images")[0].GetProperty("review").GetProperty("decision").GetString());

        // The accession may be opened again once signed; the list filters by status.
        var reopened = await AuditApi.CreateCaseAsync(Client, "S-24-0001");
        var signedList = await ApiAssert.OkJsonAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Get, "/cases?status=signed")));
        Assert.Equal(caseId, Assert.Single(signedList.GetProperty("cases").EnumerateArray()).GetProperty("case_id").GetString());
        var openList = await ApiAssert.OkJsonAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Get, "/cases")));
        Assert.Equal(reopened.GetProperty("case_id").GetString(), Assert.Single(openList.GetProperty("cases").EnumerateArray()).GetProperty("case_id").GetString());

        // The export holds the case's predictions, reviews and sign-off, and the chain verifies.
        var export = await ApiAssert.OkJsonAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Get, "/audit/predictions")));
        Assert.True(export.GetProperty("verification").GetProperty("ok").GetBoolean());
        var ofCase = export.GetProperty("records").EnumerateArray().Where(r => r.GetProperty("case_id").GetString() == caseId).ToList();
        Assert.Equal(ids.Order(), ofCase.Where(r => r.GetProperty("kind").GetString() == "prediction").Select(r => r.GetProperty("subject").GetString()!).Order());
        Assert.Equal(3, ofCase.Count(r => r.GetProperty("kind").GetString() == "review"));
        Assert.Equal("web:dana", ofCase.Single(r => r.GetProperty("kind").GetString() == "signoff").GetProperty("caller").GetString());

        var csvResponse = await Client.SendAsync(AuditApi.As(HttpMethod.Get, "/audit/predictions?format=csv"));
        var csv = await csvResponse.Content.ReadAsStringAsync();
        Assert.Equal("text/csv", csvResponse.Content.Headers.ContentType?.MediaType);
        Assert.Equal("true", Assert.Single(csvResponse.Headers.GetValues("X-Audit-Chain-Ok")));
        Assert.All(ids, id => Assert.Contains(id, csv, StringComparison.Ordinal));
        Assert.Contains(",review,web:bob,", csv, StringComparison.Ordinal);

        var tomorrow = DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var empty = await ApiAssert.OkJsonAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Get, $"/audit/predictions?from={tomorrow}&to={DateTime.UtcNow.AddDays(2):yyyy-MM-dd}")));
        Assert.Equal(0, empty.GetProperty("records").GetArrayLength());
    }

    [Fact]
    public async Task Bad_input_gets_a_clear_4xx_and_changes_nothing()
    {
        var caseId = (await AuditApi.CreateCaseAsync(Client, "S-24-0002")).GetProperty("case_id").GetString()!;
        var image = await AuditApi.UploadAsync(Client, caseId, TestImages.Jpeg(seed: 410), "a.jpg");
        var predictionId = image.GetProperty("prediction_id").GetString()!;
        var records = AuditRows.Records(Api.DatabasePath).Count;

        await ApiAssert.ErrorAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Post, "/cases", content: JsonContent.Create(new { accession = "S-24-0002" }))), 409, "case_exists", "S-24-0002");
        foreach (var bad in new[] { "", "Jane Doe", new string('x', 65), "a;b" })
        {
            await ApiAssert.ErrorAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Post, "/cases", content: JsonContent.Create(new { accession = bad }))), 422, "invalid_accession", "accession");
        }

        await ApiAssert.ErrorAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Post, "/cases", content: new StringContent("{", System.Text.Encoding.UTF8, "application/json"))), 422, "invalid_body", "malformed");
        await ApiAssert.ErrorAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Get, "/cases/nope")), 404, "unknown_case", "nope");
        await ApiAssert.ErrorAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Get, "/cases?status=lost")), 422, "invalid_status", "status");
        await ApiAssert.ErrorAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Post, "/cases/nope/images", content: Forms.Image(TestImages.Jpeg(seed: 411)))), 404, "unknown_case", "nope");
        await ApiAssert.ErrorAsync(await AuditApi.ReviewAsync(Client, "nope", predictionId, "Pre"), 404, "unknown_case", "nope");
        await ApiAssert.ErrorAsync(await AuditApi.ReviewAsync(Client, caseId, new string('a', 32), "Pre"), 404, "unknown_image", caseId);
        await ApiAssert.ErrorAsync(await AuditApi.ReviewAsync(Client, caseId, predictionId, "Purple"), 422, "invalid_decision", "Purple");
        await ApiAssert.ErrorAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Post, "/cases/nope/signoff")), 404, "unknown_case", "nope");
        await ApiAssert.ErrorAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Get, $"/cases/{caseId}/images/{new string('b', 32)}/image")), 404, "unknown_image", caseId);
        await ApiAssert.ErrorAsync(
            await Client.SendAsync(AuditApi.As(HttpMethod.Post, $"/cases/{caseId}/images", content: Forms.Image("not an image"u8.ToArray(), "x.png", "image/png"))), 415, "unsupported_format", "");
        var empty = (await AuditApi.CreateCaseAsync(Client, "S-24-0003")).GetProperty("case_id").GetString()!;
        records++;
        await ApiAssert.ErrorAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Post, $"/cases/{empty}/signoff")), 409, "case_empty", "no image");

        Assert.Equal(records, AuditRows.Records(Api.DatabasePath).Count);
        var detail = await ApiAssert.OkJsonAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Get, $"/cases/{caseId}")));
        Assert.Equal(JsonValueKind.Null, Assert.Single(detail.GetProperty("images").EnumerateArray()).GetProperty("review").ValueKind);
    }

    [Fact]
    public async Task Images_heat_maps_the_queue_and_agreement_come_from_the_cases()
    {
        var caseId = (await AuditApi.CreateCaseAsync(Client, "S-24-0004")).GetProperty("case_id").GetString()!;
        var bytes = TestImages.Jpeg(seed: 420);
        var uploads = new List<JsonElement>();
        foreach (var seed in new[] { 420, 421, 422, 423 })
        {
            uploads.Add(await AuditApi.UploadAsync(Client, caseId, seed == 420 ? bytes : TestImages.Jpeg(seed: seed), $"{seed}.jpg"));
        }

        var first = uploads[0].GetProperty("prediction_id").GetString()!;
        var original = await Client.SendAsync(AuditApi.As(HttpMethod.Get, $"/cases/{caseId}/images/{first}/image"));
        Assert.Equal("image/jpeg", original.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes, await original.Content.ReadAsByteArrayAsync());

        var heatmap = await Client.SendAsync(AuditApi.As(HttpMethod.Get, $"/cases/{caseId}/images/{first}/heatmap"));
        Assert.Equal("image/png", heatmap.Content.Headers.ContentType?.MediaType);
        Assert.Equal("heatmap_shown", AuditRows.Records(Api.DatabasePath)[^1].Kind);

        // Lowest top-class probability first (nothing is referred without a gate).
        var queue = await ApiAssert.OkJsonAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Get, "/review/queue?limit=10")));
        var items = queue.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(4, items.Count);
        var tops = items.Select(item => item.GetProperty("probabilities").EnumerateArray().Max(p => p.GetDouble())).ToList();
        Assert.Equal(tops.Order(), tops);
        Assert.All(items, item => Assert.Equal("S-24-0004", item.GetProperty("accession").GetString()));
        await ApiAssert.ErrorAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Get, "/review/queue?limit=0")), 422, "invalid_limit", "limit");

        // Reviews: two agree, one disagrees, one not assessable (left out of agreement and kappa).
        var names = uploads.Select(u => u.GetProperty("class_name").GetString()!).ToList();
        await ApiAssert.OkJsonAsync(await AuditApi.ReviewAsync(Client, caseId, uploads[0].GetProperty("prediction_id").GetString()!, names[0]));
        await ApiAssert.OkJsonAsync(await AuditApi.ReviewAsync(Client, caseId, uploads[1].GetProperty("prediction_id").GetString()!, names[1]));
        await ApiAssert.OkJsonAsync(await AuditApi.ReviewAsync(Client, caseId, uploads[2].GetProperty("prediction_id").GetString()!, names[2] == "Pro" ? "Pre" : "Pro"));
        await ApiAssert.OkJsonAsync(await AuditApi.ReviewAsync(Client, caseId, uploads[3].GetProperty("prediction_id").GetString()!, "not_assessable"));
        Assert.Empty((await ApiAssert.OkJsonAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Get, "/review/queue")))).GetProperty("items").EnumerateArray());

        var agreement = await ApiAssert.OkJsonAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Get, "/model/agreement")));
        var version = Assert.Single(agreement.GetProperty("versions").EnumerateArray());
        Assert.Equal(1, version.GetProperty("model_version").GetInt32());
        Assert.Equal(3, version.GetProperty("reviewed").GetInt32());
        Assert.Equal(1, version.GetProperty("not_assessable").GetInt32());
        Assert.Equal(Math.Round(2 / 3.0, 4), version.GetProperty("agreement").GetDouble());
        Assert.Equal(4, version.GetProperty("per_class").GetArrayLength());

        var detail = await ApiAssert.OkJsonAsync(await Client.SendAsync(AuditApi.As(HttpMethod.Get, $"/cases/{caseId}")));
        Assert.Equal(3, detail.GetProperty("summary").GetProperty("accepted").GetInt32());
        Assert.Equal(1, detail.GetProperty("summary").GetProperty("not_assessable").GetInt32());
        Assert.Equal(4, detail.GetProperty("reviewed").GetInt32());

        // A second review replaces the first; the chain keeps both, and the superseded correction leaves the feedback table.
        var feedback = await ApiAssert.FeedbackCountAsync(Client);
        await ApiAssert.OkJsonAsync(await AuditApi.ReviewAsync(Client, caseId, uploads[2].GetProperty("prediction_id").GetString()!, names[2]));
        Assert.Equal(feedback - 1, await ApiAssert.FeedbackCountAsync(Client));
        Assert.Equal(5, AuditRows.Records(Api.DatabasePath).Count(r => r.Kind == "review"));
        Assert.True((await AuditApi.VerifyAsync(Client)).GetProperty("ok").GetBoolean());
    }
}
