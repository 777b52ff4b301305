using System.Net.Http.Headers;
using System.Text;
using AllClassifier.Api.Tests.Infrastructure;

namespace AllClassifier.Api.Tests.BadInputs;

/// <summary>Every unusable input is a 4xx with a JSON detail, never a 500, and nothing is stored.</summary>
[Collection(ServingApiCollection.Name)]
public sealed class BadInputTests(ServingApiFactory api)
{
    private readonly HttpClient _client = api.CreateClient();

    [Theory]
    [MemberData(nameof(BadInputCorpus.Names), MemberType = typeof(BadInputCorpus))]
    public async Task Predict_refuses_the_corpus_file(string name)
    {
        var upload = BadInputCorpus.Get(name);

        var response = await _client.PostAsync("/predict", Forms.Image(upload.Bytes, upload.FileName, upload.ContentType));

        await ApiAssert.ErrorAsync(response, upload.Status, upload.Code, upload.Detail);
    }

    [Theory]
    [MemberData(nameof(BadInputCorpus.Names), MemberType = typeof(BadInputCorpus))]
    public async Task Explaining_refuses_the_corpus_file_as_predict_does(string name)
    {
        var upload = BadInputCorpus.Get(name);

        foreach (var path in new[] { "/explain", "/predict?explain=true" })
        {
            var response = await _client.PostAsync(path, Forms.Image(upload.Bytes, upload.FileName, upload.ContentType));

            await ApiAssert.ErrorAsync(response, upload.Status, upload.Code, upload.Detail);
        }
    }

    [Theory]
    [MemberData(nameof(BadInputCorpus.Names), MemberType = typeof(BadInputCorpus))]
    public async Task Feedback_refuses_the_corpus_file_and_stores_nothing(string name)
    {
        var upload = BadInputCorpus.Get(name);
        var before = FeedbackDatabase.Count(api.DatabasePath);

        var response = await _client.PostAsync("/feedback", Forms.Feedback("Pre", "Early", upload.Bytes, upload.FileName, upload.ContentType));

        await ApiAssert.ErrorAsync(response, upload.Status, upload.Code, upload.Detail);
        Assert.Equal(before, FeedbackDatabase.Count(api.DatabasePath));
    }

    [Theory]
    [InlineData("/predict")]
    [InlineData("/explain")]
    [InlineData("/feedback")]
    public async Task A_body_over_the_10_MB_limit_is_413(string path)
    {
        var before = FeedbackDatabase.Count(api.DatabasePath);
        var huge = new byte[(10 * 1024 * 1024) + 1];
        TestImages.Jpeg(seed: 1).CopyTo(huge, 0);

        var response = await _client.PostAsync(path, Forms.Feedback("Pre", "Pre", huge));

        await ApiAssert.ErrorAsync(response, 413, "image_too_large", "larger than the limit");
        Assert.Equal(before, FeedbackDatabase.Count(api.DatabasePath));
    }

    [Theory]
    [InlineData("/predict")]
    [InlineData("/explain")]
    public async Task Predict_without_a_file_part_is_422(string path)
    {
        var form = new MultipartFormDataContent { { new StringContent("x"), "something_else" } };

        var response = await _client.PostAsync(path, form);

        await ApiAssert.ErrorAsync(response, 422, "missing_field", "missing 'file'");
    }

    [Fact]
    public async Task Predict_with_a_file_under_another_part_name_is_422()
    {
        var file = new ByteArrayContent(TestImages.Jpeg(seed: 2));
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        var form = new MultipartFormDataContent { { file, "image", "smear.jpg" } };

        var response = await _client.PostAsync("/predict", form);

        await ApiAssert.ErrorAsync(response, 422, "missing_field", "missing 'file'");
    }

    [Theory]
    [InlineData("/predict")]
    [InlineData("/explain")]
    [InlineData("/feedback")]
    public async Task A_body_that_is_not_multipart_is_415(string path)
    {
        var before = FeedbackDatabase.Count(api.DatabasePath);

        var response = await _client.PostAsync(path, new StringContent("{\"file\": \"abc\"}", Encoding.UTF8, "application/json"));

        await ApiAssert.ErrorAsync(response, 415, "not_multipart", "must be multipart/form-data");
        Assert.Equal(before, FeedbackDatabase.Count(api.DatabasePath));
    }

    [Fact]
    public async Task A_malformed_multipart_body_is_400()
    {
        var content = new ByteArrayContent(Encoding.ASCII.GetBytes("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\nabc"));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");

        var response = await _client.PostAsync("/predict", content);

        await ApiAssert.ErrorAsync(response, 400, "malformed_request", "malformed");
    }

    [Theory]
    [InlineData(null, "Pre", true, "'correct_label'")]
    [InlineData("Pre", null, true, "'predicted_label'")]
    [InlineData(null, null, true, "'correct_label', 'predicted_label'")]
    [InlineData("Pre", "Early", false, "'file'")]
    [InlineData("", "Early", true, "'correct_label'")]
    public async Task Feedback_with_missing_fields_is_422_and_stores_nothing(string? correct, string? predicted, bool withFile, string missing)
    {
        var before = FeedbackDatabase.Count(api.DatabasePath);

        var response = await _client.PostAsync("/feedback", Forms.Feedback(correct, predicted, withFile ? TestImages.Jpeg(seed: 3) : null));

        await ApiAssert.ErrorAsync(response, 422, "missing_field", missing);
        Assert.Equal(before, FeedbackDatabase.Count(api.DatabasePath));
    }

    [Theory]
    [InlineData("Leukemia", "Pre", "correct_label")]
    [InlineData("Pre", "4", "predicted_label")]
    [InlineData("-1", "Pre", "correct_label")]
    [InlineData("Pre-B cell", "Pro", "correct_label")]
    public async Task Feedback_with_an_unknown_label_is_422_and_stores_nothing(string correct, string predicted, string field)
    {
        var before = FeedbackDatabase.Count(api.DatabasePath);

        var response = await _client.PostAsync("/feedback", Forms.Feedback(correct, predicted, TestImages.Jpeg(seed: 4)));

        var detail = await ApiAssert.ErrorAsync(response, 422, "unknown_label", "not a class");
        Assert.Contains(field, detail, StringComparison.Ordinal);
        Assert.Contains("Benign, Early, Pre, Pro", detail, StringComparison.Ordinal);
        Assert.Equal(before, FeedbackDatabase.Count(api.DatabasePath));
        Assert.Equal(before, await ApiAssert.FeedbackCountAsync(_client));
    }

    [Fact]
    public async Task Unknown_routes_and_methods_answer_json_detail()
    {
        await ApiAssert.ErrorAsync(await _client.GetAsync("/no-such-endpoint"), 404, "not_found", "Not Found");
        await ApiAssert.ErrorAsync(await _client.GetAsync("/predict"), 405, "method_not_allowed", "Method Not Allowed");
    }
}
