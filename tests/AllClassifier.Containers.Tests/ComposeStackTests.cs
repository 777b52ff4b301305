using System.Text.RegularExpressions;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace AllClassifier.Containers.Tests;

/// <summary>
/// The production compose stack, built from the project's Dockerfiles and run under Podman. Skipped only when
/// Podman cannot run containers on this machine and not on CI; a broken image or stack fails these tests.
/// </summary>
[Trait("Category", "Containers")]
[Collection(PodmanCollection.Name)]
public sealed partial class ComposeStackTests(ComposeStack stack) : IClassFixture<ComposeStack>
{
    private static readonly TimeSpan ScrapeDeadline = TimeSpan.FromMinutes(1);

    [SkippableFact]
    public async Task Backend_answers_ping_on_its_published_port()
    {
        Podman.SkipIfUnusable(stack.SkipReason);

        using var ping = await stack.Http.GetFromJsonAsync<JsonDocument>($"{ComposeStack.BackendUrl}/ping");

        Assert.Equal("ok", ping!.RootElement.GetProperty("status").GetString());
    }

    [SkippableFact]
    public async Task Web_reaches_the_backend_and_predictions_use_the_trainers_bootstrap_model()
    {
        Podman.SkipIfUnusable(stack.SkipReason);

        // The web app's health includes its backend; its pages need a staff sign-in, so the prediction
        // is made as the web app makes it: with its API key, against the backend container.
        var webHealth = await stack.Web.GetAsync($"{ComposeStack.WebUrl}/health");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{ComposeStack.BackendUrl}/predict") { Content = SmokeImage.Form() };
        request.Headers.Add("X-Api-Key", ComposeStack.ApiKey);
        var response = await stack.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, webHealth.StatusCode);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var prediction = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(4, prediction.RootElement.GetProperty("probabilities").GetArrayLength());
        Assert.True(prediction.RootElement.GetProperty("model_version").GetInt32() >= 1);
    }

    [SkippableFact]
    public async Task A_correction_is_stored_in_the_feedback_volume_and_survives_down_and_up()
    {
        Podman.SkipIfUnusable(stack.SkipReason);
        var before = await stack.FeedbackCountAsync();

        using var request = new HttpRequestMessage(HttpMethod.Post, $"{ComposeStack.BackendUrl}/feedback")
        {
            Content = SmokeImage.Form(("correct_label", "Pre"), ("predicted_label", "Benign")),
        };
        request.Headers.Add("X-Api-Key", ComposeStack.ApiKey);
        var stored = await stack.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);

        await stack.DownAsync();
        Assert.Equal("", await Podman.RequireAsync("ps", "-q", "--filter", $"label=io.podman.compose.project={ComposeStack.ProjectName}"));
        await stack.UpAsync();

        Assert.Equal(before + 1, await stack.FeedbackCountAsync());
        var rows = await Podman.RequireAsync(
            "exec", ComposeStack.ContainerName("backend"), "sh", "-c", "ls /app/data");
        Assert.Contains("feedback.db", rows);
    }

    [SkippableFact]
    public async Task A_staff_sign_in_survives_down_and_up()
    {
        Podman.SkipIfUnusable(stack.SkipReason);
        using var browser = stack.Browser(new CookieContainer());
        browser.BaseAddress = new Uri(ComposeStack.WebUrl);

        var signInPage = await browser.GetStringAsync("/Account/SignIn");
        var token = AntiforgeryToken().Match(signInPage).Groups["token"].Value;
        using var signIn = await browser.PostAsync("/Account/SignIn", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["UserName"] = "admin",
            ["Password"] = ComposeStack.AdminPassword,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);

        await stack.DownAsync();
        await stack.UpAsync();
        // The first admin's one page until the deployment secret is changed.
        using var page = await browser.GetAsync("/Account/Password");

        // Signed out, the page would redirect to the sign-in form: the cookie's keys survived in the volume.
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [SkippableFact]
    public async Task Through_the_proxy_https_carries_hsts_its_own_certificate_and_a_secure_sign_in_cookie()
    {
        Podman.SkipIfUnusable(stack.SkipReason);
        var cookies = new CookieContainer();
        using var browser = stack.Browser(cookies);
        browser.BaseAddress = new Uri(ComposeStack.WebUrl);

        // The client trusts only the proxy's own CA and checks the name: a handshake failure would throw here.
        using var page = await browser.GetAsync("/Account/SignIn");
        var token = AntiforgeryToken().Match(await page.Content.ReadAsStringAsync()).Groups["token"].Value;
        using var signIn = await browser.PostAsync("/Account/SignIn", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["UserName"] = "admin",
            ["Password"] = ComposeStack.AdminPassword,
        }));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("max-age=", Assert.Single(page.Headers.GetValues("Strict-Transport-Security")), StringComparison.Ordinal);
        Assert.False(page.Headers.Contains("Server"), $"Server: {string.Join(", ", page.Headers.TryGetValues("Server", out var server) ? server : [])}");
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        // The web app saw https through the proxy: its redirect stays on this origin, never on http://.
        Assert.False(signIn.Headers.Location!.IsAbsoluteUri && signIn.Headers.Location.Scheme != Uri.UriSchemeHttps, $"{signIn.Headers.Location}");
        var setCookies = signIn.Headers.GetValues("Set-Cookie").ToList();
        var session = Assert.Single(setCookies, c => c.StartsWith(".AspNetCore.Identity.Application=", StringComparison.Ordinal));
        Assert.Contains("; secure", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; httponly", session, StringComparison.OrdinalIgnoreCase);
    }

    [SkippableFact]
    public async Task Plain_http_to_the_proxy_is_redirected_to_https_on_the_proxys_port()
    {
        Podman.SkipIfUnusable(stack.SkipReason);

        using var response = await stack.Web.GetAsync($"{ComposeStack.PlainHttpUrl}/Account/SignIn?returnUrl=%2FModel");

        Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
        Assert.Equal($"{ComposeStack.WebUrl}/Account/SignIn?returnUrl=%2FModel", response.Headers.Location!.ToString());
    }

    [SkippableFact]
    public async Task The_web_app_is_published_nowhere_and_believes_no_forwarded_headers_from_another_container()
    {
        Podman.SkipIfUnusable(stack.SkipReason);

        var webPorts = await Podman.RequireAsync("port", ComposeStack.ContainerName("web"));
        var proxyPorts = await Podman.RequireAsync("port", ComposeStack.ContainerName("proxy"));
        // From the backend, on the network the web app shares with it, claiming to be a proxy that saw https.
        var spoofed = await Podman.RequireAsync(
            "exec", ComposeStack.ContainerName("backend"), "bash", "-c",
            "exec 3<>/dev/tcp/web/8501 && printf 'GET /Account/SignIn HTTP/1.0\\r\\nHost: " + ComposeStack.HostName
            + "\\r\\nX-Forwarded-Proto: https\\r\\nX-Forwarded-For: 203.0.113.9\\r\\n\\r\\n' >&3 && head -n 1 <&3");
        using var metrics = await stack.Web.GetAsync($"{ComposeStack.WebUrl}/metrics");

        Assert.Equal("", webPorts);
        Assert.Contains(ComposeStack.WebUrl[ComposeStack.WebUrl.LastIndexOf(':')..], proxyPorts, StringComparison.Ordinal);
        // Still plain HTTP to the web app: sent to https rather than served.
        Assert.Contains(" 308 ", spoofed, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
    }

    [SkippableFact]
    public async Task Prometheus_scrapes_backend_web_and_the_node_exporter()
    {
        Podman.SkipIfUnusable(stack.SkipReason);
        string[] jobs = ["backend", "web", "node"];
        var healthy = new HashSet<string>();

        await ComposeStack.PollUntilAsync(
            async () =>
            {
                using var targets = await stack.Http.GetFromJsonAsync<JsonDocument>($"{ComposeStack.PrometheusUrl}/api/v1/targets?state=active");
                healthy.Clear();
                foreach (var target in targets!.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray())
                {
                    if (target.GetProperty("health").GetString() == "up")
                    {
                        healthy.Add(target.GetProperty("labels").GetProperty("job").GetString()!);
                    }
                }

                return jobs.All(healthy.Contains);
            },
            ScrapeDeadline,
            $"Prometheus targets {string.Join(", ", jobs)} to be up");

        Assert.Superset(jobs.ToHashSet(), healthy);
    }

    [SkippableFact]
    public async Task The_compose_health_checks_pass()
    {
        Podman.SkipIfUnusable(stack.SkipReason);

        foreach (var service in new[] { "backend", "web", "proxy", "prometheus" })
        {
            var check = await Podman.RunAsync("healthcheck", "run", ComposeStack.ContainerName(service));
            Assert.True(check.Succeeded, $"{service}'s health check failed ({check.ExitCode}): {check.Output}");
        }
    }

    [SkippableFact]
    public async Task No_service_runs_as_root()
    {
        Podman.SkipIfUnusable(stack.SkipReason);

        foreach (var service in ComposeStack.Services)
        {
            var uid = await Podman.RequireAsync("exec", ComposeStack.ContainerName(service), "id", "-u");
            Assert.NotEqual("0", uid);
        }

        foreach (var image in new[] { "backend", "web", "trainer", "proxy" })
        {
            var user = await Podman.RequireAsync("image", "inspect", "--format", "{{.Config.User}}", $"localhost/allclassifier-{image}");
            Assert.Equal("1654", user);
        }
    }

    [SkippableFact]
    public async Task The_backend_image_carries_no_training_only_files()
    {
        Podman.SkipIfUnusable(stack.SkipReason);

        var files = await Podman.RequireAsync("run", "--rm", "--entrypoint", "find", "localhost/allclassifier-backend", "/app");

        Assert.Contains("/app/AllClassifier.Api.dll", files);
        Assert.DoesNotContain("DnnImageModels", files);
        Assert.DoesNotContain("ResNet18", files, StringComparison.OrdinalIgnoreCase);
        // ONNX Runtime serves the model; ML.NET itself only trains.
        Assert.DoesNotContain(files.Split('\n'), file => file.Contains("/Microsoft.ML.") && !file.Contains("Microsoft.ML.OnnxRuntime"));
    }

    [GeneratedRegex(""""name="__RequestVerificationToken" type="hidden" value="(?<token>[^"]+)"""")]
    private static partial Regex AntiforgeryToken();
}
