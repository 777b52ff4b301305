using System.Text.RegularExpressions;

namespace AllClassifier.AppHost.Tests;

/// <summary>
/// The container stack's security settings, read from <c>deploy/docker-compose.yml</c> (no container engine runs
/// here, so the file is checked as text).
/// </summary>
public sealed partial class ComposeFileTests
{
    private static readonly string Compose = File.ReadAllText(Path.Combine(RepositoryRoot(), "deploy", "docker-compose.yml"));

    [Theory]
    [InlineData("ALLCLASSIFIER_API_KEY")]
    [InlineData("ALLCLASSIFIER_ADMIN_PASSWORD")]
    [InlineData("ALLCLASSIFIER_METRICS_KEY")]
    [InlineData("GRAFANA_ADMIN_PASSWORD")]
    public void Every_secret_is_required_so_compose_refuses_to_start_without_it(string variable)
    {
        var uses = Regex.Matches(Compose, @"\$\{" + variable + @"(?<operator>:?[?\-]?)").Select(m => m.Groups["operator"].Value).ToList();

        Assert.NotEmpty(uses);
        Assert.All(uses, op => Assert.Equal(":?", op));
    }

    [Fact]
    public void The_api_and_the_web_app_share_one_key()
    {
        Assert.Matches(@"Auth__ApiKeys__web: \$\{ALLCLASSIFIER_API_KEY:\?", Compose);
        Assert.Matches(@"Backend__ApiKey: \$\{ALLCLASSIFIER_API_KEY:\?", Compose);
    }

    [Fact]
    public void Only_the_web_app_is_published_and_everything_else_binds_to_loopback()
    {
        const string web = "${WEB_ADDRESS:-0.0.0.0}:${WEB_PORT:-8501}:8501";
        var published = PortMapping().Matches(Compose).Select(m => m.Groups["mapping"].Value).ToList();

        Assert.Contains(web, published);
        Assert.All(published.Where(p => p != web), mapping => Assert.StartsWith("127.0.0.1:", mapping));
        Assert.Equal(4, published.Count(p => p.StartsWith("127.0.0.1:", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("WEB_PORT", 8501)]
    [InlineData("BACKEND_PORT", 8000)]
    [InlineData("MLFLOW_PORT", 5000)]
    [InlineData("PROMETHEUS_PORT", 9090)]
    [InlineData("GRAFANA_PORT", 3000)]
    public void Each_published_port_is_configurable_and_defaults_to_the_services_own_port(string variable, int port) =>
        Assert.Contains($"${{{variable}:-{port}}}:{port}\"", Compose, StringComparison.Ordinal);

    [Fact]
    public void Grafana_lets_anonymous_visitors_only_view()
    {
        Assert.Matches(@"GF_AUTH_ANONYMOUS_ORG_ROLE: Viewer", Compose);
        Assert.DoesNotMatch(@"GF_AUTH_ANONYMOUS_ORG_ROLE: (Admin|Editor)", Compose);
    }

    [GeneratedRegex("""^\s*- "(?<mapping>[^"\s]*:[0-9]+)"\s*$""", RegexOptions.Multiline)]
    private static partial Regex PortMapping();

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AllClassifier.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("AllClassifier.sln not found above the test folder.");
    }
}
