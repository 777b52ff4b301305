using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AllClassifier.AppHost.Extensions;
using AllClassifier.Model;
using AllClassifier.Training.Synthetic;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Xunit.Abstractions;

namespace AllClassifier.AppHost.Tests;

/// <summary>What a newcomer gets from <c>dotnet run --project AllClassifier.AppHost</c> on a machine without Docker.</summary>
[Collection(RunningAppHostCollection.Name)]
public sealed class RunningAppHostTests(RunningAppHost host, ITestOutputHelper output)
{
    private static readonly TimeSpan HealthDeadline = TimeSpan.FromMinutes(2);

    // The trainer extracts ResNet18 features of a few hundred synthetic images before it registers a first model.
    private static readonly TimeSpan BootstrapDeadline = TimeSpan.FromMinutes(6);

    [Fact]
    public async Task Services_report_healthy_and_the_trainer_runs()
    {
        using var timeout = new CancellationTokenSource(HealthDeadline);
        var notifications = host.App.ResourceNotifications;

        await notifications.WaitForResourceHealthyAsync("backend", timeout.Token);
        await notifications.WaitForResourceHealthyAsync("web", timeout.Token);
        // The worker's own health check answers while it trains the first model.
        await notifications.WaitForResourceHealthyAsync("trainer", timeout.Token);

        Assert.False(host.HasResource("mlflow"), "Containers were switched off, yet MLflow was declared.");
    }

    [Fact]
    public async Task Bootstrap_model_is_served_by_the_backend_and_through_the_web_app()
    {
        using var timeout = new CancellationTokenSource(BootstrapDeadline + HealthDeadline);
        using var backend = host.App.CreateHttpClient("backend", "http");
        using var web = host.App.CreateHttpClient("web", "http");
        var image = new SmearGenerator(seed: 3).GenerateJpeg(CellClass.Pre, 0);

        var clock = Stopwatch.StartNew();
        var direct = await PollUntilPredictionAsync(backend, "predict", image, timeout.Token);
        output.WriteLine($"The backend served a bootstrap model {clock.Elapsed.TotalSeconds:F0} s after the first poll.");
        AssertPrediction(direct);

        await host.App.ResourceNotifications.WaitForResourceHealthyAsync("web", timeout.Token);
        // Writes need the generated key the app host hands to backend and web.
        using var unkeyed = await backend.PostAsync("feedback", Upload(image), timeout.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, unkeyed.StatusCode);
        // Through the web app only signed-in staff read, and only the allow-listed paths.
        Assert.Equal(HttpStatusCode.Unauthorized, (await web.GetAsync("api/model", timeout.Token)).StatusCode);
        using var staff = await SignedInWebClientAsync(timeout.Token);
        var card = await staff.GetFromJsonAsync<JsonElement>("api/model", timeout.Token);
        Assert.Equal(direct.GetProperty("model_version").GetInt32(), card.GetProperty("version").GetInt32());
        Assert.Contains((await staff.PostAsync("api/predict", Upload(image), timeout.Token)).StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.MethodNotAllowed });

        // The model came from the trainer through the shared registry in the data root.
        Assert.True(File.Exists(Path.Combine(host.DataRoot, "registry", "all-classifier", "aliases", "champion")));
    }

    [Fact]
    public async Task Prometheus_runs_from_path_scrapes_backend_and_web_and_loads_the_alerting_rules()
    {
        if (PrometheusBinary.FindOnPath() is null)
        {
            Assert.False(host.HasResource("prometheus"), "Prometheus was declared although no binary is on PATH.");
            return;
        }

        using var timeout = new CancellationTokenSource(HealthDeadline);
        await host.App.ResourceNotifications.WaitForResourceHealthyAsync("prometheus", timeout.Token);
        using var prometheus = host.App.CreateHttpClient("prometheus", "http");
        var config = await File.ReadAllTextAsync(Path.Combine(host.DataRoot, "prometheus", "prometheus.yml"), timeout.Token);

        foreach (var job in new[] { "backend", "web" })
        {
            // The generated configuration names the service's real port...
            Assert.Contains($":{host.App.GetEndpoint(job, "http").Port}\"", config, StringComparison.Ordinal);

            // ...and Prometheus reaches its /metrics.
            Assert.Equal("up", await WaitForTargetUpAsync(prometheus, job, timeout.Token));
        }

        // The repository's alerting rules are loaded and evaluated.
        Assert.Contains("monitoring/prometheus/alerts.yml\"", config, StringComparison.Ordinal);
        var rules = await prometheus.GetFromJsonAsync<JsonElement>("api/v1/rules?type=alert", timeout.Token);
        var alerts = rules.GetProperty("data").GetProperty("groups").EnumerateArray()
            .SelectMany(group => group.GetProperty("rules").EnumerateArray())
            .Select(rule => rule.GetProperty("name").GetString())
            .ToList();
        Assert.Contains("AllClassifierReferralRateHigh", alerts);
        Assert.Contains("AllClassifierClassMixDrift", alerts);
        Assert.Contains("AllClassifierMeanConfidenceDropped", alerts);
    }

    private static async Task<string?> WaitForTargetUpAsync(HttpClient prometheus, string job, CancellationToken cancellationToken)
    {
        while (true)
        {
            var targets = await prometheus.GetFromJsonAsync<JsonElement>("api/v1/targets", cancellationToken);
            var health = targets.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
                .Where(t => t.GetProperty("labels").GetProperty("job").GetString() == job)
                .Select(t => t.GetProperty("health").GetString())
                .FirstOrDefault();
            if (health == "up")
            {
                return health;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    private static async Task<JsonElement> PollUntilPredictionAsync(HttpClient client, string path, byte[] image, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var response = await client.PostAsync(path, Upload(image), cancellationToken);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            }

            // 503 with Retry-After until the trainer has registered a model; anything else is a failure.
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }
    }

    private static void AssertPrediction(JsonElement prediction)
    {
        var probabilities = prediction.GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToList();
        Assert.Equal(CellClasses.Count, probabilities.Count);
        Assert.InRange(probabilities.Sum(), 0.999, 1.001);
        var predicted = prediction.GetProperty("predicted_class").GetInt32();
        Assert.Equal(probabilities.IndexOf(probabilities.Max()), predicted);
    }

    private Task<HttpClient> SignedInWebClientAsync(CancellationToken cancellationToken) =>
        StaffSignIn.AdminAsync(host.App.GetEndpoint("web", "http"), RunningAppHost.AdminPassword, cancellationToken);

    private static MultipartFormDataContent Upload(byte[] image)
    {
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        return new MultipartFormDataContent { { file, "file", "cell.jpg" } };
    }
}
