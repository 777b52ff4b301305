using System.Net;
using System.Text.RegularExpressions;

namespace AllClassifier.AppHost.Tests;

/// <summary>The web app's first admin, signed in through the sign-in form: a client that carries the auth cookie.</summary>
public static partial class StaffSignIn
{
    public static async Task<HttpClient> AdminAsync(Uri webAddress, string password, CancellationToken cancellationToken)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = webAddress };
        var form = await client.GetStringAsync("Account/SignIn", cancellationToken);
        var token = AntiforgeryToken().Match(form).Groups[1].Value;
        using var signedIn = await client.PostAsync("Account/SignIn", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["UserName"] = "admin",
            ["Password"] = password,
        }), cancellationToken);
        Assert.Equal("/", signedIn.RequestMessage!.RequestUri!.AbsolutePath);
        return client;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
