using System.Text.Json;

namespace AllClassifier.AppHost.Tests;

/// <summary>The manifest azd deploys from holds every resource, with its image, bindings, mounts and environment.</summary>
public sealed class ManifestTests(AspireManifest manifest) : IClassFixture<AspireManifest>
{
    [Fact]
    public void Manifest_declares_every_resource_with_its_kind()
    {
        var kinds = manifest.Resources.EnumerateObject().ToDictionary(r => r.Name, r => r.Value.GetProperty("type").GetString());

        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["backend"] = "project.v0",
                // Deployed from deploy/web.Dockerfile, so that it can carry its volume.
                ["web"] = "container.v1",
                ["trainer"] = "project.v0",
                ["postgres"] = "azure.bicep.v0",
                ["postgres-password"] = "parameter.v0",
                ["mlflow"] = "container.v0",
                ["node-exporter"] = "container.v0",
                ["prometheus"] = "container.v0",
                ["grafana"] = "container.v0",
                ["api-key"] = "parameter.v0",
                ["admin-api-key"] = "parameter.v0",
                ["first-admin-password"] = "parameter.v0",
                ["grafana-admin-password"] = "parameter.v0",
                ["model-signing-private-key"] = "parameter.v0",
                ["model-signing-public-key"] = "parameter.v0",
            },
            kinds);
    }

    [Theory]
    [InlineData("backend", "AllClassifier.Api.csproj")]
    [InlineData("trainer", "AllClassifier.Trainer.csproj")]
    public void Projects_point_at_their_project_files(string name, string projectFile)
    {
        var path = Path.GetFullPath(manifest.Resource(name).GetProperty("path").GetString()!, manifest.Directory);

        Assert.Equal(projectFile, Path.GetFileName(path));
        Assert.True(File.Exists(path), $"{name} points at {path}, which does not exist.");
    }

    [Fact]
    public void Web_is_built_from_its_dockerfile_and_keeps_accounts_and_keys_on_its_volume()
    {
        var web = manifest.Resource("web");
        var build = web.GetProperty("build");
        var env = AspireManifest.Environment(web);

        var context = Path.GetFullPath(build.GetProperty("context").GetString()!, manifest.Directory);
        var dockerfile = Path.GetFullPath(build.GetProperty("dockerfile").GetString()!, manifest.Directory);
        Assert.True(File.Exists(Path.Combine(context, "AllClassifier.sln")), $"web's build context {context} is not the repository root.");
        Assert.Equal(Path.Combine(context, "deploy", "web.Dockerfile"), dockerfile);
        Assert.True(File.Exists(dockerfile));
        var volume = Assert.Single(web.GetProperty("volumes").EnumerateArray());
        Assert.Equal("allclassifier-web", volume.GetProperty("name").GetString());
        Assert.Equal("/app/data", volume.GetProperty("target").GetString());
        Assert.False(volume.GetProperty("readOnly").GetBoolean());
        // Both the account database and the key ring are under the mounted folder.
        Assert.StartsWith("/app/data/", env["StaffAccounts__DatabasePath"], StringComparison.Ordinal);
        Assert.StartsWith("/app/data/", env["DataProtection__KeysDirectory"], StringComparison.Ordinal);
        // The image listens on 8501 (deploy/web.Dockerfile): the ingress and HTTP_PORTS must name that port.
        Assert.Equal(8501, web.GetProperty("bindings").GetProperty("http").GetProperty("targetPort").GetInt32());
        Assert.Equal("{web.bindings.http.targetPort}", env["HTTP_PORTS"]);
    }

    [Fact]
    public void Feedback_is_kept_in_azure_postgresql_whose_connection_string_reaches_backend_and_trainer_as_a_secret()
    {
        var postgres = manifest.Resource("postgres");
        var parameters = postgres.GetProperty("params");

        Assert.Equal("{postgres.secretOutputs.connectionString}", postgres.GetProperty("connectionString").GetString());
        // Empty: azd creates the Key Vault the module writes the connection string to.
        Assert.Equal("", parameters.GetProperty("keyVaultName").GetString());
        Assert.Equal("{postgres-password.value}", parameters.GetProperty("administratorLoginPassword").GetString());
        Assert.Equal("feedback", parameters.GetProperty("databaseName").GetString());
        foreach (var service in new[] { "backend", "trainer" })
        {
            var env = AspireManifest.Environment(manifest.Resource(service));
            Assert.Equal("{postgres.connectionString}", env["ConnectionStrings__feedback"]);
        }

        Assert.DoesNotContain("ConnectionStrings__feedback", AspireManifest.Environment(manifest.Resource("web")).Keys);
        AssertSecretInputWithoutDefault("postgres-password");
    }

    [Fact]
    public void The_postgres_module_declares_what_the_manifest_passes_and_writes_the_secret_output_it_promises()
    {
        var postgres = manifest.Resource("postgres");
        var path = Path.GetFullPath(postgres.GetProperty("path").GetString()!, manifest.Directory);
        var bicep = File.ReadAllText(path);
        var declared = System.Text.RegularExpressions.Regex.Matches(bicep, @"(?m)^param (?<name>\w+) \w+(?<default> =)?")
            .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["default"].Success);
        var passed = postgres.GetProperty("params").EnumerateObject().Select(p => p.Name).ToHashSet();

        Assert.Equal("feedback-postgres.bicep", Path.GetFileName(path));
        Assert.Subset(declared.Keys.ToHashSet(), passed);
        // Every parameter without a default is passed, or the deployment would stop and ask.
        Assert.Subset(passed, declared.Where(d => !d.Value).Select(d => d.Key).ToHashSet());
        Assert.Matches(@"@secure\(\)\s+(@description\('[^\n]*'\)\s+)?param administratorLoginPassword string", bicep);
        Assert.Matches(@"resource \w+ 'Microsoft\.DBforPostgreSQL/flexibleServers@", bicep);
        Assert.Matches(@"'Microsoft\.KeyVault/vaults/secrets@[^']+' = \{\s+parent: vault\s+name: 'connectionString'", bicep);
        Assert.Contains("SSL Mode=VerifyFull", bicep, StringComparison.Ordinal);
    }

    [Fact]
    public void Web_is_public_and_reaches_the_backend_by_its_binding()
    {
        var web = manifest.Resource("web");
        var env = AspireManifest.Environment(web);

        Assert.True(web.GetProperty("bindings").GetProperty("http").GetProperty("external").GetBoolean());
        Assert.Equal("http://backend", env["BACKEND_URL"]);
        Assert.Equal("{backend.bindings.http.url}", env["services__backend__http__0"]);
        Assert.False(manifest.Resource("backend").GetProperty("bindings").GetProperty("http").TryGetProperty("external", out _));
    }

    [Fact]
    public void Trainer_runs_the_worker_against_the_backends_feedback_and_registry_and_logs_to_mlflow()
    {
        var trainer = manifest.Resource("trainer");
        var trainerEnv = AspireManifest.Environment(trainer);
        var backendEnv = AspireManifest.Environment(manifest.Resource("backend"));

        Assert.Equal(["worker"], trainer.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("{mlflow.bindings.http.url}", trainerEnv["MLFLOW_TRACKING_URI"]);
        Assert.Equal("100", trainerEnv["FB_THRESH"]);
        // The API reports the trainer's threshold next to the rows pending since training.
        Assert.Equal(trainerEnv["FB_THRESH"], backendEnv["FB_THRESH"]);
        Assert.Equal("/app/work", trainerEnv["WORK_DIR"]);
        Assert.Equal(backendEnv["FEEDBACK_DIR"], trainerEnv["FEEDBACK_DIR"]);
        Assert.Equal(backendEnv["MODEL_REGISTRY_DIR"], trainerEnv["MODEL_REGISTRY_DIR"]);
        Assert.Equal("/app/data", backendEnv["FEEDBACK_DIR"]);
        Assert.Equal("2", backendEnv["MALLOC_ARENA_MAX"]);
    }

    [Theory]
    [InlineData("mlflow", "ghcr.io/mlflow/mlflow:v", 5000)]
    [InlineData("prometheus", "docker.io/prom/prometheus:v", 9090)]
    [InlineData("grafana", "docker.io/grafana/grafana:", 3000)]
    [InlineData("node-exporter", "docker.io/prom/node-exporter:v", 9100)]
    public void Containers_use_pinned_images_and_expose_their_http_port(string name, string imagePrefix, int port)
    {
        var resource = manifest.Resource(name);
        var image = resource.GetProperty("image").GetString()!;

        Assert.StartsWith(imagePrefix, image, StringComparison.Ordinal);
        Assert.DoesNotContain("latest", image, StringComparison.Ordinal);
        var http = resource.GetProperty("bindings").GetProperty("http");
        Assert.Equal("http", http.GetProperty("scheme").GetString());
        Assert.Equal(port, http.GetProperty("targetPort").GetInt32());
    }

    [Fact]
    public void Mlflow_serves_artifacts_from_a_sqlite_store_in_its_volume()
    {
        var mlflow = manifest.Resource("mlflow");
        var args = mlflow.GetProperty("args").EnumerateArray().Select(a => a.GetString()).ToList();

        Assert.Equal("mlflow", mlflow.GetProperty("entrypoint").GetString());
        Assert.Equal("server", args[0]);
        Assert.Equal("sqlite:////mlflow/mlruns.db", args[args.IndexOf("--backend-store-uri") + 1]);
        Assert.Contains("--serve-artifacts", args);
        Assert.Contains(mlflow.GetProperty("volumes").EnumerateArray(), v => v.GetProperty("target").GetString() == "/mlflow");
    }

    [Theory]
    [InlineData("prometheus", "/etc/prometheus/prometheus.yml")]
    [InlineData("prometheus", "/etc/prometheus/alerts.yml")]
    [InlineData("grafana", "/etc/grafana/provisioning")]
    [InlineData("grafana", "/var/lib/grafana/dashboards")]
    public void Monitoring_mounts_files_that_exist_in_the_repository(string name, string target)
    {
        var mount = manifest.Resource(name).GetProperty("bindMounts").EnumerateArray()
            .Single(m => m.GetProperty("target").GetString() == target);

        // Sources are relative to the manifest, as azd resolves them.
        var source = Path.GetFullPath(mount.GetProperty("source").GetString()!, manifest.Directory);
        Assert.True(File.Exists(source) || Directory.Exists(source), $"{name} mounts {source} at {target}, which does not exist.");
        Assert.True(mount.GetProperty("readOnly").GetBoolean());
    }

    [Fact]
    public void Grafana_gets_the_prometheus_address_for_its_provisioned_data_source()
    {
        var env = AspireManifest.Environment(manifest.Resource("grafana"));

        Assert.Equal("{prometheus.bindings.http.url}", env["PROMETHEUS_URL"]);
        Assert.Equal("/var/lib/grafana/dashboards/all-api.json", env["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]);
    }

    [Fact]
    public void Grafana_lets_anonymous_visitors_only_view_and_its_admin_password_is_a_secret_input()
    {
        var env = AspireManifest.Environment(manifest.Resource("grafana"));

        Assert.Equal("Viewer", env["GF_AUTH_ANONYMOUS_ORG_ROLE"]);
        Assert.Equal("{grafana-admin-password.value}", env["GF_SECURITY_ADMIN_PASSWORD"]);
        AssertSecretInputWithoutDefault("grafana-admin-password");
    }

    [Fact]
    public void Deployed_the_api_needs_a_key_to_classify_and_the_web_app_believes_only_the_ingress_networks()
    {
        var backendEnv = AspireManifest.Environment(manifest.Resource("backend"));
        var webEnv = AspireManifest.Environment(manifest.Resource("web"));

        Assert.Equal("true", backendEnv["Auth__RequireKeyForPredict"]);
        Assert.Equal("10.0.0.0/8", webEnv["ForwardedHeaders__KnownNetworks__0"]);
        Assert.DoesNotContain(webEnv.Keys, key => key.StartsWith("ForwardedHeaders__KnownProxies", StringComparison.Ordinal));
        Assert.DoesNotContain("Metrics__ScrapeKey", webEnv.Keys);
    }

    [Fact]
    public void The_api_key_is_a_secret_input_known_to_backend_and_web_and_the_first_admin_password_reaches_the_web()
    {
        var backendEnv = AspireManifest.Environment(manifest.Resource("backend"));
        var webEnv = AspireManifest.Environment(manifest.Resource("web"));

        Assert.Equal("{api-key.value}", backendEnv["Auth__ApiKeys__web"]);
        Assert.Equal("{api-key.value}", webEnv["Backend__ApiKey"]);
        Assert.Equal("{first-admin-password.value}", webEnv["StaffAccounts__FirstAdmin__Password"]);
        Assert.Equal("/app/data/staff.db", webEnv["StaffAccounts__DatabasePath"]);
        Assert.Equal("/app/data/keys", webEnv["DataProtection__KeysDirectory"]);
        AssertSecretInputWithoutDefault("api-key");
        AssertSecretInputWithoutDefault("first-admin-password");
    }

    [Fact]
    public void The_dashboards_commands_and_the_trainers_admin_endpoint_use_an_admin_only_key_that_is_not_the_web_apps()
    {
        var backendEnv = AspireManifest.Environment(manifest.Resource("backend"));
        var trainerEnv = AspireManifest.Environment(manifest.Resource("trainer"));

        Assert.Equal("{admin-api-key.value}", backendEnv["Auth__ApiKeys__operator"]);
        Assert.Equal("admin", backendEnv["Auth__ApiKeyScopes__operator"]);
        Assert.Equal("{admin-api-key.value}", trainerEnv["Admin__ApiKey"]);
        Assert.DoesNotContain(AspireManifest.Environment(manifest.Resource("web")), entry => entry.Value == "{admin-api-key.value}");
        AssertSecretInputWithoutDefault("admin-api-key");
    }

    [Fact]
    public void The_trainer_alone_gets_the_private_signing_key_as_a_secret_input_and_the_backend_trusts_its_public_key()
    {
        var trainerEnv = AspireManifest.Environment(manifest.Resource("trainer"));
        var backendEnv = AspireManifest.Environment(manifest.Resource("backend"));

        Assert.Equal("{model-signing-private-key.value}", trainerEnv["ModelSigning__PrivateKey"]);
        Assert.Equal("{model-signing-public-key.value}", backendEnv["ModelSigning__PublicKeys__0"]);
        foreach (var resource in new[] { "backend", "web" })
        {
            Assert.DoesNotContain(AspireManifest.Environment(manifest.Resource(resource)), entry => entry.Value == "{model-signing-private-key.value}");
        }

        AssertSecretInputWithoutDefault("model-signing-private-key");
    }

    /// <summary>azd asks for such an input at <c>azd up</c> and keeps the answer in its environment; a default would deploy unasked.</summary>
    private void AssertSecretInputWithoutDefault(string parameter)
    {
        var resource = manifest.Resource(parameter);
        var input = resource.GetProperty("inputs").GetProperty("value");
        Assert.Equal($"{{{parameter}.inputs.value}}", resource.GetProperty("value").GetString());
        Assert.True(input.GetProperty("secret").GetBoolean());
        Assert.False(input.TryGetProperty("default", out var byDefault), $"{parameter} has a default: {byDefault}");
    }

    [Fact]
    public void Prometheus_reads_the_mounted_configuration()
    {
        var args = manifest.Resource("prometheus").GetProperty("args").EnumerateArray().Select(a => a.GetString());

        Assert.Contains("--config.file=/etc/prometheus/prometheus.yml", args);
    }
}
