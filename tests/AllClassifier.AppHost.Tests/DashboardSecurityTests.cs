using System.Text.Json;

namespace AllClassifier.AppHost.Tests;

/// <summary>
/// The dashboard that <c>dotnet run --project AllClassifier.AppHost</c> starts: it hands out the deployment's secrets
/// and runs commands, so every launch profile keeps Aspire's login token (printed on the console at start) and its
/// resource service's key.
/// </summary>
public sealed class DashboardSecurityTests
{
    private static readonly string[] AnonymousSwitches =
    [
        "ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS",
        "DOTNET_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS",
        "DASHBOARD__FRONTEND__AUTHMODE",
        "DASHBOARD__RESOURCESERVICECLIENT__AUTHMODE",
        "DASHBOARD__OTLP__AUTHMODE",
    ];

    [Fact]
    public void No_launch_profile_opens_the_dashboard_without_its_login()
    {
        var path = Path.Combine(AzdProjectTests.FindRepositoryRoot(), "AllClassifier.AppHost", "Properties", "launchSettings.json");
        using var settings = JsonDocument.Parse(File.ReadAllText(path));

        var profiles = settings.RootElement.GetProperty("profiles").EnumerateObject().ToList();
        Assert.NotEmpty(profiles);
        foreach (var profile in profiles)
        {
            var variables = profile.Value.TryGetProperty("environmentVariables", out var env)
                ? env.EnumerateObject().Select(v => v.Name.ToUpperInvariant()).ToList()
                : [];
            Assert.DoesNotContain(variables, name => AnonymousSwitches.Contains(name.Replace(":", "__", StringComparison.Ordinal)));
        }
    }
}
