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
    [InlineData("ALLCLASSIFIER_MODEL_SIGNING_KEY")]
    [InlineData("ALLCLASSIFIER_MODEL_SIGNING_PUBLIC_KEY")]
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
    public void Only_the_tls_proxy_is_published_the_web_app_nowhere_and_everything_else_binds_to_loopback()
    {
        string[] proxy = ["${PROXY_ADDRESS:-0.0.0.0}:${HTTPS_PORT:-443}:${HTTPS_PORT:-443}", "${PROXY_ADDRESS:-0.0.0.0}:${HTTP_PORT:-80}:${HTTP_PORT:-80}"];
        var published = PortMapping().Matches(Compose).Select(m => m.Groups["mapping"].Value).ToList();

        Assert.Equal(proxy, PortMapping().Matches(Service("proxy")).Select(m => m.Groups["mapping"].Value));
        Assert.DoesNotMatch(@"\n    ports:", Service("web"));
        Assert.All(published.Except(proxy), mapping => Assert.StartsWith("127.0.0.1:", mapping));
        Assert.Equal(4, published.Count(p => p.StartsWith("127.0.0.1:", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_web_app_serves_the_proxy_over_a_socket_and_believes_forwarded_headers_only_from_it()
    {
        var web = Service("web");
        var proxy = Service("proxy");

        Assert.Contains("http://unix:/run/allclassifier/web.sock", web, StringComparison.Ordinal);
        Assert.Contains("- web-socket:/run/allclassifier", web, StringComparison.Ordinal);
        Assert.Contains("- web-socket:/run/allclassifier", proxy, StringComparison.Ordinal);
        Assert.Matches(@"ForwardedHeaders__KnownProxies__0: ""127\.0\.0\.1""", web);
        Assert.DoesNotContain("KnownNetworks", web, StringComparison.Ordinal);
        // The stopgap that served sign-ins over plain HTTP is gone with the proxy in front.
        Assert.DoesNotContain("AllowPlainHttp", Compose, StringComparison.Ordinal);
        // On its own network: the proxy reaches no other service.
        Assert.Matches(@"\n    networks:\n      - edge\n", proxy);
    }

    [Fact]
    public void The_web_apps_accounts_and_data_protection_keys_live_on_its_volume()
    {
        var web = Service("web");

        Assert.Contains("- web-data:/app/data", web, StringComparison.Ordinal);
        Assert.Contains("StaffAccounts__DatabasePath: /app/data/staff.db", web, StringComparison.Ordinal);
        Assert.Contains("DataProtection__KeysDirectory: /app/data/keys", web, StringComparison.Ordinal);
    }

    [Fact]
    public void The_proxy_uses_its_own_ca_by_default_or_a_mounted_certificate()
    {
        var proxy = Service("proxy");
        var caddyfile = File.ReadAllText(Path.Combine(RepositoryRoot(), "deploy", "proxy", "Caddyfile"));

        Assert.Contains("ALLCLASSIFIER_TLS: ${ALLCLASSIFIER_TLS:-internal}", proxy, StringComparison.Ordinal);
        Assert.Contains("- ${ALLCLASSIFIER_TLS_DIR:-./proxy/certs}:/etc/caddy/certs:ro", proxy, StringComparison.Ordinal);
        Assert.Contains("tls {$ALLCLASSIFIER_TLS:internal}", caddyfile, StringComparison.Ordinal);
        Assert.Contains("reverse_proxy unix//run/allclassifier/web.sock", caddyfile, StringComparison.Ordinal);
        Assert.Contains("respond /metrics* 404", caddyfile, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HTTPS_PORT", 443)]
    [InlineData("HTTP_PORT", 80)]
    [InlineData("BACKEND_PORT", 8000)]
    [InlineData("MLFLOW_PORT", 5000)]
    [InlineData("PROMETHEUS_PORT", 9090)]
    [InlineData("GRAFANA_PORT", 3000)]
    public void Each_published_port_is_configurable_and_defaults_to_the_services_own_port(string variable, int port) =>
        Assert.Matches($@"\$\{{{variable}:-{port}\}}:(\$\{{{variable}:-{port}\}}|{port})""", Compose);

    [Fact]
    public void Grafana_lets_anonymous_visitors_only_view()
    {
        Assert.Matches(@"GF_AUTH_ANONYMOUS_ORG_ROLE: Viewer", Compose);
        Assert.DoesNotMatch(@"GF_AUTH_ANONYMOUS_ORG_ROLE: (Admin|Editor)", Compose);
    }

    /// <summary>One service's block: from its two-space-indented name to the next one.</summary>
    private static string Service(string name) =>
        Regex.Match(Compose, $@"(?ms)^  {Regex.Escape(name)}:\n.*?(?=^  [\w-]+:\n|^\S|\z)").Value is { Length: > 0 } block
            ? block
            : throw new KeyNotFoundException($"deploy/docker-compose.yml has no service '{name}'.");

    [GeneratedRegex("""^\s*- "(?<mapping>[^"\s]*:[^"\s]*[0-9]\}?)"\s*$""", RegexOptions.Multiline)]
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
