using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;

namespace AllClassifier.AppHost.Tests;

/// <summary>
/// The web app's first admin, signed in through the sign-in form: a client that carries the auth cookie. The first
/// sign-in with the deployment secret must choose a new password (the web app allows nothing else until then); the
/// new one is kept per web app for later sign-ins.
/// </summary>
public static partial class StaffSignIn
{
    private static readonly ConcurrentDictionary<Uri, string> ChosenPasswords = new();

    public static async Task<HttpClient> AdminAsync(Uri webAddress, string password, CancellationToken cancellationToken)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = webAddress };
        var current = ChosenPasswords.GetValueOrDefault(webAddress, password);
        using var signedIn = await PostFormAsync(client, "Account/SignIn", new()
        {
            ["UserName"] = "admin",
            ["Password"] = current,
        }, cancellationToken);
        if (signedIn.RequestMessage!.RequestUri!.AbsolutePath == "/Account/Password")
        {
            var own = current + "-own";
            using var changed = await PostFormAsync(client, "Account/Password", new()
            {
                ["CurrentPassword"] = current,
                ["NewPassword"] = own,
                ["ConfirmPassword"] = own,
            }, cancellationToken);
            Assert.Equal("/", changed.RequestMessage!.RequestUri!.AbsolutePath);
            ChosenPasswords[webAddress] = own;
            return client;
        }

        Assert.Equal("/", signedIn.RequestMessage!.RequestUri!.AbsolutePath);
        return client;
    }

    private static async Task<HttpResponseMessage> PostFormAsync(
        HttpClient client, string path, Dictionary<string, string> fields, CancellationToken cancellationToken)
    {
        var form = await client.GetStringAsync(path, cancellationToken);
        fields["__RequestVerificationToken"] = AntiforgeryToken().Match(form).Groups[1].Value;
        return await client.PostAsync(path, new FormUrlEncodedContent(fields), cancellationToken);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
