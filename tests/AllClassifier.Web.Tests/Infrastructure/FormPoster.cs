using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace AllClassifier.Web.Tests.Infrastructure;

/// <summary>Posts the app's forms as a browser without JavaScript would: antiforgery token and cookie included.</summary>
public static partial class FormPoster
{
    public static async Task<string> AntiforgeryTokenAsync(HttpClient client, string page = "/")
    {
        var html = await client.GetStringAsync(page);
        return HiddenValue(html, "__RequestVerificationToken")
            ?? throw new InvalidOperationException("The page has no antiforgery token.");
    }

    public static async Task<HttpResponseMessage> PredictAsync(HttpClient client, byte[] image, string fileName, string contentType)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(await AntiforgeryTokenAsync(client)), "__RequestVerificationToken" },
        };
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        form.Add(file, "Upload", fileName);
        return await client.PostAsync("/?handler=Predict", form);
    }

    public static async Task<HttpResponseMessage> FeedbackAsync(HttpClient client, string antiforgeryToken, string token, string correctLabel) =>
        await client.PostAsync("/?handler=Feedback", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = antiforgeryToken,
            ["Token"] = token,
            ["CorrectLabel"] = correctLabel,
        }));

    public static string? HiddenValue(string html, string name)
    {
        var match = Regex.Match(html, $"<input[^>]*name=\"{Regex.Escape(name)}\"[^>]*value=\"([^\"]*)\"");
        return match.Success ? match.Groups[1].Value : null;
    }

    /// <summary>The text of the first element carrying <c>data-testid="<paramref name="testId"/>"</c>.</summary>
    public static string? TestIdText(string html, string testId)
    {
        var match = Regex.Match(html, $"data-testid=\"{Regex.Escape(testId)}\"[^>]*>(.*?)</", RegexOptions.Singleline);
        return match.Success ? System.Net.WebUtility.HtmlDecode(Regex.Replace(match.Groups[1].Value, "<[^>]+>", "")).Trim() : null;
    }

    public static int CountTestId(string html, string testId) =>
        Regex.Matches(html, $"data-testid=\"{Regex.Escape(testId)}\"").Count;
}
