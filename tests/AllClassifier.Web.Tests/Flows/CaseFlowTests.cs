using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using AllClassifier.Web.Tests.Infrastructure;

namespace AllClassifier.Web.Tests.Flows;

/// <summary>Cases over HTTP as a browser without JavaScript uses them, against the fake API on loopback.</summary>
public sealed partial class CaseFlowTests : WebWithFakeBackend
{
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
    private static readonly byte[] Png = [.. ApiSamples.TinyPng];
    private static readonly byte[] BlurryPng = [.. ApiSamples.TinyPng, 0, 0];

    [Fact]
    public async Task Create_upload_review_sign_off_and_report()
    {
        using var client = await Web.CreateSignedInClientAsync();
        var caseUrl = await CreateCaseAsync(client, "S-24-0001");

        using (var uploaded = await UploadAsync(client, caseUrl, ("field-1.jpg", Jpeg, "image/jpeg"), ("field-2.png", Png, "image/png"),
            ("field-3-blurry.png", BlurryPng, "image/png")))
        {
            var html = await uploaded.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
            Assert.Equal(3, FormPoster.CountTestId(html, "upload-outcome"));
            Assert.Equal(3, FormPoster.CountTestId(html, "case-image"));
        }

        var page = await client.GetStringAsync(caseUrl);
        Assert.Equal("S-24-0001", FormPoster.TestIdText(page, "case-accession"));
        Assert.Equal("v3", FormPoster.TestIdText(page, "case-model-versions"));
        Assert.Equal("1", FormPoster.TestIdText(page, "case-referred"));
        // The referred image: the headline is the referral and its reason, and nothing is preselected or confirmable.
        var referred = ImageCard(page, "true");
        Assert.Contains("Refer to a technologist", referred);
        Assert.Contains("Out of focus", referred);
        Assert.DoesNotContain("data-testid=\"confirm\"", referred);
        Assert.Contains("<option value=\"\" selected=\"selected\">", referred);
        Assert.Contains($"value=\"NotAssessable\">Not assessable (not a smear / unusable image)</option>", referred);
        Assert.Contains("data-testid=\"confirm\"", ImageCard(page, "false"));

        // Sign-off waits for every review, and says what is missing.
        var refused = await PostAsync(client, caseUrl, "SignOff", []);
        Assert.Equal("Sign-off refused: 3 images have no review yet (1 of them referred to a technologist). Review every image, then sign off.",
            FormPoster.TestIdText(refused, "error"));
        Assert.Equal("open", FormPoster.TestIdText(refused, "case-status"));

        var ids = PredictionIds(page);
        var predictedJpeg = FakeBackendServer.PredictedClassOf(Jpeg);
        await ReviewAsync(client, caseUrl, ids[0], predictedJpeg);
        var second = await ReviewAsync(client, caseUrl, ids[1], "Pro");
        var partly = await PostAsync(client, caseUrl, "SignOff", []);
        Assert.Equal("Sign-off refused: 1 image has no review yet (1 of them referred to a technologist). Review every image, then sign off.",
            FormPoster.TestIdText(partly, "error"));
        Assert.Contains("Corrected to Pro-B", second);
        await ReviewAsync(client, caseUrl, ids[2], "NotAssessable");

        var signed = await PostAsync(client, caseUrl, "SignOff", []);
        Assert.Equal("signed", FormPoster.TestIdText(signed, "case-status"));
        Assert.Equal("reviewer1", FormPoster.TestIdText(signed, "signed-by"));
        Assert.Equal(0, FormPoster.CountTestId(signed, "review-actions"));
        Assert.DoesNotContain("id=\"case-upload-form\"", signed);
        Assert.DoesNotContain("id=\"signoff-form\"", signed);
        // Per class over the accepted images: the referred image was judged not assessable and is left out.
        Assert.Equal("2", FormPoster.TestIdText(signed, "summary-accepted"));

        var report = await client.GetStringAsync(caseUrl + "/Report");
        Assert.Equal("S-24-0001", FormPoster.TestIdText(report, "report-accession"));
        Assert.Equal("Signed", FormPoster.TestIdText(report, "report-status"));
        Assert.Equal("v3", FormPoster.TestIdText(report, "report-model-versions"));
        Assert.Equal("reviewer1", FormPoster.TestIdText(report, "report-reviewers"));
        Assert.Equal("reviewer1", FormPoster.TestIdText(report, "report-signed-by"));
        Assert.Equal(3, FormPoster.CountTestId(report, "report-image"));
        Assert.Contains("Not assessable", report);

        using var image = await client.GetAsync($"{caseUrl}?handler=Image&predictionId={ids[0]}");
        Assert.Equal(Jpeg, await image.Content.ReadAsByteArrayAsync());
        Assert.Equal("no-store", image.Headers.CacheControl?.ToString());
        using var heatmap = await client.GetAsync($"{caseUrl}?handler=Heatmap&predictionId={ids[0]}");
        Assert.Equal("image/png", heatmap.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_signed_case_is_read_only_and_a_forged_post_changes_nothing()
    {
        using var client = await Web.CreateSignedInClientAsync();
        var caseUrl = await CreateCaseAsync(client, "S-24-0002");
        (await UploadAsync(client, caseUrl, ("a.png", Png, "image/png"))).Dispose();
        var id = PredictionIds(await client.GetStringAsync(caseUrl)).Single();
        await ReviewAsync(client, caseUrl, id, "Benign");
        await PostAsync(client, caseUrl, "SignOff", []);
        var reviews = Backend.Reviews.Snapshot().Count;

        // The forms are gone, so these posts come from a stale page or a hand-made request.
        var review = await PostAsync(client, caseUrl, "Review", new() { ["PredictionId"] = id, ["Decision"] = "Pro" });
        Assert.Equal("This case is signed: it can no longer be changed.", FormPoster.TestIdText(review, "error"));
        Assert.Equal(reviews, Backend.Reviews.Snapshot().Count);
        using var upload = await UploadAsync(client, caseUrl, ("b.png", Png, "image/png"));
        Assert.Contains("This case is signed: it can no longer be changed.", await upload.Content.ReadAsStringAsync());
        var again = await PostAsync(client, caseUrl, "SignOff", []);
        Assert.Equal("This case is signed: it can no longer be changed.", FormPoster.TestIdText(again, "error"));
        Assert.Equal("1", FormPoster.TestIdText(again, "case-images"));

        using var scripted = await UploadOneAsync(client, caseUrl, "c.png", Png);
        Assert.Equal(HttpStatusCode.Conflict, scripted.StatusCode);
        Assert.Equal("This case is signed: it can no longer be changed.", Detail(await scripted.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task An_unknown_case_is_a_404_with_a_sentence()
    {
        using var client = await Web.CreateSignedInClientAsync();

        using var page = await client.GetAsync("/Cases/0123456789abcdef0123456789abcdef");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal("There is no case with this identifier.", FormPoster.TestIdText(await page.Content.ReadAsStringAsync(), "error"));
        using var report = await client.GetAsync("/Cases/0123456789abcdef0123456789abcdef/Report");
        Assert.Equal(HttpStatusCode.NotFound, report.StatusCode);
        Assert.Equal("There is no case with this identifier.", FormPoster.TestIdText(await report.Content.ReadAsStringAsync(), "error"));
    }

    [Theory]
    [InlineData("Jane Doe")]
    [InlineData("")]
    [InlineData("S-24-<b>")]
    public async Task An_accession_outside_the_rule_is_refused_before_the_api(string accession)
    {
        using var client = await Web.CreateSignedInClientAsync();

        var html = await PostAsync(client, "/Cases", "Create", new() { ["Accession"] = accession });

        Assert.StartsWith("Enter the sample's accession or slide identifier", FormPoster.TestIdText(html, "error"));
        Assert.Equal(0, Backend.Requests.Count(r => r.Method == "POST" && r.Path == "/cases"));
    }

    [Fact]
    public async Task A_second_open_case_for_the_same_accession_is_refused_with_a_sentence()
    {
        using var client = await Web.CreateSignedInClientAsync();
        await CreateCaseAsync(client, "S-24-0003");

        var html = await PostAsync(client, "/Cases", "Create", new() { ["Accession"] = "S-24-0003" });

        Assert.Equal("An open case with this accession already exists: open it from the list of cases.", FormPoster.TestIdText(html, "error"));
        Assert.Equal(1, FormPoster.CountTestId(html, "case-row"));
    }

    [Fact]
    public async Task The_scripted_upload_answers_json_per_file_and_the_queue_lists_referred_images_first()
    {
        using var client = await Web.CreateSignedInClientAsync();
        var caseUrl = await CreateCaseAsync(client, "S-24-0004");

        using var added = await UploadOneAsync(client, caseUrl, "one.png", Png);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        using (var body = JsonDocument.Parse(await added.Content.ReadAsStringAsync()))
        {
            Assert.False(body.RootElement.GetProperty("refer").GetBoolean());
            Assert.Matches("^[0-9a-f]{32}$", body.RootElement.GetProperty("prediction_id").GetString());
        }

        using var referred = await UploadOneAsync(client, caseUrl, "two-blurry.png", BlurryPng);
        Assert.Equal("Refer to a technologist", JsonDocument.Parse(await referred.Content.ReadAsStringAsync()).RootElement.GetProperty("summary").GetString());
        using var notImage = await UploadOneAsync(client, caseUrl, "notes.png", "plain text"u8.ToArray());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, notImage.StatusCode);
        Assert.StartsWith("The image was not accepted: ", Detail(await notImage.Content.ReadAsStringAsync()));

        var queue = await client.GetStringAsync("/Review");
        var order = Regex.Matches(queue, "data-testid=\"queue-item\"[^>]*data-refer=\"(true|false)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["true", "false"], order);
        Assert.Equal("S-24-0004", FormPoster.TestIdText(queue, "queue-case"));

        var id = PredictionIds(queue)[0];
        var antiforgery = await FormPoster.AntiforgeryTokenAsync(client, "/Review");
        using var reviewed = await client.PostAsync("/Review?handler=Review", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = antiforgery, ["CaseId"] = CaseId(caseUrl), ["PredictionId"] = id, ["Decision"] = "Early",
        }));
        Assert.Equal(1, FormPoster.CountTestId(await reviewed.Content.ReadAsStringAsync(), "queue-item"));
        Assert.Equal((id, "Early"), Backend.Reviews.Snapshot().Select(r => (r.PredictionId, r.Decision)).Single());
    }

    [Fact]
    public async Task The_model_page_shows_agreement_per_version_and_class()
    {
        using var client = await Web.CreateSignedInClientAsync();

        var html = await client.GetStringAsync("/Model");

        Assert.Equal(2, FormPoster.CountTestId(html, "agreement-row"));
        Assert.Contains("v3 (serving)", html);
        Assert.Contains("0.86", html);
        Assert.Contains("90.0%", html);
    }

    private static async Task<string> CreateCaseAsync(HttpClient client, string accession)
    {
        var antiforgery = await FormPoster.AntiforgeryTokenAsync(client, "/Cases");
        using var response = await client.PostAsync("/Cases?handler=Create", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = antiforgery,
            ["Accession"] = accession,
        }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var path = response.RequestMessage!.RequestUri!.AbsolutePath;
        Assert.Matches("^/Cases/[0-9a-f]{32}$", path);
        return path;
    }

    private static async Task<HttpResponseMessage> UploadAsync(HttpClient client, string caseUrl, params (string Name, byte[] Bytes, string Type)[] files)
    {
        var form = new MultipartFormDataContent { { new StringContent(await FormPoster.AntiforgeryTokenAsync(client, caseUrl)), "__RequestVerificationToken" } };
        foreach (var (name, bytes, type) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue(type);
            form.Add(part, "Files", name);
        }

        return await client.PostAsync(caseUrl + "?handler=Upload", form);
    }

    private static async Task<HttpResponseMessage> UploadOneAsync(HttpClient client, string caseUrl, string name, byte[] bytes)
    {
        var part = new ByteArrayContent(bytes);
        part.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var form = new MultipartFormDataContent
        {
            { new StringContent(await FormPoster.AntiforgeryTokenAsync(client, "/Cases")), "__RequestVerificationToken" },
            { part, "Upload", name },
        };
        return await client.PostAsync(caseUrl + "?handler=UploadOne", form);
    }

    private static async Task<string> ReviewAsync(HttpClient client, string caseUrl, string predictionId, string decision) =>
        await PostAsync(client, caseUrl, "Review", new() { ["PredictionId"] = predictionId, ["Decision"] = decision });

    private static async Task<string> PostAsync(HttpClient client, string url, string handler, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = await FormPoster.AntiforgeryTokenAsync(client, url);
        using var response = await client.PostAsync($"{url}?handler={handler}", new FormUrlEncodedContent(fields));
        return await response.Content.ReadAsStringAsync();
    }

    private static string CaseId(string caseUrl) => caseUrl["/Cases/".Length..];

    private static List<string> PredictionIds(string html) =>
        [.. Regex.Matches(html, "data-prediction-id=\"([0-9a-f]{32})\"").Select(m => m.Groups[1].Value).Distinct()];

    /// <summary>The HTML of the first image card with <c>data-refer</c> <paramref name="refer"/>.</summary>
    private static string ImageCard(string html, string refer)
    {
        var match = Regex.Match(html, $"<article[^>]*data-testid=\"case-image\"[^>]*data-refer=\"{refer}\"[^>]*>(.*?)</article>", RegexOptions.Singleline);
        Assert.True(match.Success, $"no image card with data-refer={refer}");
        return match.Value;
    }

    private static string? Detail(string json) => JsonDocument.Parse(json).RootElement.GetProperty("detail").GetString();
}
