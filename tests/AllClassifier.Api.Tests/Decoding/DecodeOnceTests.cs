using AllClassifier.Api.Tests.Audit;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Model.Tests.Imaging;

namespace AllClassifier.Api.Tests.Decoding;

/// <summary>
/// Each request path reads an upload's header once, decodes it once and hashes it once, and a correction or review of
/// a kept image does none of it again (the API's tests run one at a time, so the counts are this host's).
/// </summary>
public sealed class DecodeOnceTests : KeyedApiTests
{
    [Fact]
    public async Task Predict_explain_and_feedback_with_a_file_read_decode_and_hash_the_upload_once_each()
    {
        var image = TestImages.Jpeg(seed: 601);
        using var counts = new ImagingCounts();

        var predicted = await Measure(counts, () => AuditApi.PredictAsync(Client, image));
        var explained = await Measure(counts, async () => await ApiAssert.OkJsonAsync(
            await Client.SendAsync(AuditApi.As(HttpMethod.Post, "/predict?explain=true", content: Forms.Image(image)))));
        var corrected = await Measure(counts, async () => await ApiAssert.OkJsonAsync(
            await Client.SendAsync(AuditApi.As(HttpMethod.Post, "/feedback", content: Forms.Feedback("Pre", "Benign", image)))));

        Assert.Equal(new ImageWork(HeaderReads: 1, Decodes: 1, Hashes: 1), predicted);
        Assert.Equal(new ImageWork(HeaderReads: 1, Decodes: 1, Hashes: 1), explained);
        Assert.Equal(new ImageWork(HeaderReads: 1, Decodes: 1, Hashes: 1), corrected);
    }

    [Fact]
    public async Task A_case_upload_is_read_once_and_its_review_and_a_correction_by_prediction_id_decode_and_hash_nothing()
    {
        var image = TestImages.Jpeg(seed: 602);
        var caseId = (await AuditApi.CreateCaseAsync(Client, "S-26-0005")).GetProperty("case_id").GetString()!;
        using var counts = new ImagingCounts();

        string? predictionId = null;
        var uploaded = await Measure(counts, async () =>
            predictionId = (await AuditApi.UploadAsync(Client, caseId, image, "field-1.jpg")).GetProperty("prediction_id").GetString());
        var reviewed = await Measure(counts, async () => Assert.True((await AuditApi.ReviewAsync(Client, caseId, predictionId!, "Pro")).IsSuccessStatusCode));
        var otherId = (await AuditApi.PredictAsync(Client, TestImages.Jpeg(seed: 603))).GetProperty("prediction_id").GetString()!;
        var corrected = await Measure(counts, async () => await ApiAssert.OkJsonAsync(
            await Client.SendAsync(AuditApi.As(HttpMethod.Post, "/feedback", content: AuditApi.CorrectionByPrediction(otherId, "Early")))));

        Assert.Equal(new ImageWork(HeaderReads: 1, Decodes: 1, Hashes: 1), uploaded);
        Assert.Equal(new ImageWork(0, 0, 0), reviewed);
        Assert.Equal(new ImageWork(0, 0, 0), corrected);
    }

    private static async Task<ImageWork> Measure<T>(ImagingCounts counts, Func<Task<T>> request)
    {
        var before = counts.Now;
        await request();
        return counts.Now - before;
    }

    private static async Task<ImageWork> Measure(ImagingCounts counts, Func<Task> request)
    {
        var before = counts.Now;
        await request();
        return counts.Now - before;
    }
}
