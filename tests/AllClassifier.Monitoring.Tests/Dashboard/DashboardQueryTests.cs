using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using AllClassifier.AppHost.Extensions;
using AllClassifier.Model;
using AllClassifier.Training.Synthetic;
using AllClassifier.Monitoring.Tests.Api;
using AllClassifier.Monitoring.Tests.Prometheus;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;

namespace AllClassifier.Monitoring.Tests.Dashboard;

/// <summary>
/// Every PromQL expression of <c>all-api.json</c> returns data from a real Prometheus scraping the real API after
/// predictions, feedback and a rejected upload — the panels a lab sees are never empty for want of a metric.
/// </summary>
public sealed partial class DashboardQueryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan DataDeadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Every_dashboard_query_returns_data_after_traffic()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var cancellationToken = timeout.Token;
        var queries = DashboardQueries.Load(DashboardQueries.DashboardPath());
        Assert.NotEmpty(queries);

        await using var api = await RunningApi.StartAsync(cancellationToken);
        // The OOD score, the referral reasons and the class-mix PSI exist only for a model whose card carries a
        // referral gate and its training mix: with a model without one, those panels are rightly empty.
        if (!await ServesReferralGateAsync(api.Http, cancellationToken))
        {
            var needGate = queries.Where(query => GateMetric().IsMatch(query.Expression)).ToList();
            output.WriteLine($"The served model has no referral gate; not waited for: {string.Join("; ", needGate)}");
            queries = queries.Except(needGate).ToList();
        }

        await using var prometheus = await PrometheusServer.StartAsync([new ScrapeTarget("backend", api.HostAndPort)], cancellationToken);
        await prometheus.WaitForTargetAsync("backend", "up", TimeSpan.FromSeconds(30), cancellationToken);

        // Traffic keeps flowing across scrapes, so rates and quantiles see counters move, until every query has a value.
        var traffic = new Traffic(api.Http);
        var missing = queries.ToList();
        var clock = Stopwatch.StartNew();
        while (missing.Count > 0 && clock.Elapsed < DataDeadline)
        {
            await traffic.SendRoundAsync(cancellationToken);
            var stillMissing = new List<DashboardQuery>();
            foreach (var query in missing)
            {
                if (!HasFiniteSample(await prometheus.QueryAsync(query.PromQl, cancellationToken)))
                {
                    stillMissing.Add(query);
                }
            }

            missing = stillMissing;
            if (missing.Count > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
        }

        output.WriteLine($"{queries.Count} queries, {traffic.Rounds} traffic rounds, {clock.Elapsed.TotalSeconds:F1} s until all had data.");
        Assert.True(missing.Count == 0,
            $"No data after {DataDeadline.TotalSeconds} s for: {string.Join("; ", missing.Select(q => $"{q} {q.PromQl}"))}");
    }

    private static async Task<bool> ServesReferralGateAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var model = JsonDocument.Parse(await http.GetStringAsync("model", cancellationToken));
        return model.RootElement.TryGetProperty("referral_gate", out var gate)
            && gate.TryGetProperty("present", out var present)
            && present.ValueKind == JsonValueKind.True;
    }

    [GeneratedRegex(
        @"\b(allclassifier_ood_score_ratio_bucket|allclassifier_referral_reasons_total|allclassifier_class_mix_psi)\b")]
    private static partial Regex GateMetric();

    private static bool HasFiniteSample(JsonElement result) =>
        result.EnumerateArray().Any(series =>
            double.TryParse(series.GetProperty("value")[1].GetString(), System.Globalization.CultureInfo.InvariantCulture, out var value)
            && double.IsFinite(value));

    /// <summary>
    /// One round: a prediction, a stored correction, a rejected upload, a blank slide (which a model with a referral
    /// gate refers) and a model card request.
    /// </summary>
    private sealed class Traffic(HttpClient http)
    {
        private static readonly byte[] BlankSlide = BlankJpeg();
        private readonly SmearGenerator generator = new(seed: 5);

        public int Rounds { get; private set; }

        public async Task SendRoundAsync(CancellationToken cancellationToken)
        {
            var cellClass = CellClasses.All[Rounds % CellClasses.Count];
            var image = generator.GenerateJpeg(cellClass, Rounds);

            using (var predict = await http.PostAsync("predict", Upload(image, "cell.jpg"), cancellationToken))
            {
                Assert.Equal(HttpStatusCode.OK, predict.StatusCode);
            }

            using (var feedback = await http.PostAsync("feedback", Feedback(image, cellClass), cancellationToken))
            {
                Assert.Equal(HttpStatusCode.OK, feedback.StatusCode);
            }

            using (var rejected = await http.PostAsync("predict", Upload("not an image"u8.ToArray(), "notes.txt"), cancellationToken))
            {
                Assert.True((int)rejected.StatusCode is >= 400 and < 500, $"A text upload was answered {(int)rejected.StatusCode}.");
            }

            using (var blank = await http.PostAsync("predict", Upload(BlankSlide, "blank.jpg"), cancellationToken))
            {
                Assert.Equal(HttpStatusCode.OK, blank.StatusCode);
            }

            using (var model = await http.GetAsync("model", cancellationToken))
            {
                Assert.Equal(HttpStatusCode.OK, model.StatusCode);
            }

            Rounds++;
        }

        private static byte[] BlankJpeg()
        {
            using var image = new Image<Rgb24>(224, 224, new Rgb24(236, 228, 232));
            using var jpeg = new MemoryStream();
            image.SaveAsJpeg(jpeg);
            return jpeg.ToArray();
        }

        private static MultipartFormDataContent Upload(byte[] bytes, string fileName)
        {
            var file = new ByteArrayContent(bytes);
            file.Headers.ContentType = new MediaTypeHeaderValue(fileName.EndsWith(".jpg", StringComparison.Ordinal) ? "image/jpeg" : "text/plain");
            return new MultipartFormDataContent { { file, "file", fileName } };
        }

        private static MultipartFormDataContent Feedback(byte[] image, CellClass correct)
        {
            var content = Upload(image, "cell.jpg");
            content.Add(new StringContent(correct.Name()), "correct_label");
            content.Add(new StringContent(CellClasses.All[((int)correct + 1) % CellClasses.Count].Name()), "predicted_label");
            return content;
        }
    }
}
