using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AllClassifier.AppHost.Extensions;

namespace AllClassifier.Monitoring.Tests.Prometheus;

/// <summary>
/// A real Prometheus process (the Debian <c>prometheus</c> package) on a free loopback port, with its storage in a
/// temporary folder, scraping the given targets every second.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(30);
    private readonly Process process;
    private readonly string directory;
    private readonly StringBuilder output = new();

    private PrometheusServer(Process process, string directory, Uri address)
    {
        this.process = process;
        this.directory = directory;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    /// <summary>What Prometheus printed so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public static string FindExecutable() =>
        PrometheusBinary.FindOnPath()
        ?? throw new InvalidOperationException(
            "No 'prometheus' binary on PATH. Install it (apt-get install prometheus); scripts/test.sh does so when it is missing.");

    public static async Task<PrometheusServer> StartAsync(
        IEnumerable<ScrapeTarget> targets, CancellationToken cancellationToken, IEnumerable<string>? ruleFiles = null)
    {
        var executable = FindExecutable();
        var directory = Directory.CreateTempSubdirectory("allclassifier-prometheus-").FullName;
        var configFile = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(
            configFile, PrometheusScrapeConfig.Render(targets, TimeSpan.FromSeconds(1), ruleFiles), cancellationToken);

        var port = FreeLoopbackPort();
        var startInfo = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        startInfo.ArgumentList.Add($"--config.file={configFile}");
        startInfo.ArgumentList.Add($"--storage.tsdb.path={Path.Combine(directory, "data")}");
        startInfo.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port}");

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await server.WaitUntilReadyAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Evaluates an instant PromQL query and returns the <c>data.result</c> array.</summary>
    public async Task<JsonElement> QueryAsync(string promql, CancellationToken cancellationToken)
    {
        using var response = await Http.GetAsync($"api/v1/query?query={Uri.EscapeDataString(promql)}", cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK || body.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus rejected '{promql}': {(int)response.StatusCode} {body}");
        }

        return body.GetProperty("data").GetProperty("result").Clone();
    }

    /// <summary>The health of each scrape job's target, as Prometheus last saw it.</summary>
    public async Task<IReadOnlyDictionary<string, string>> TargetHealthAsync(CancellationToken cancellationToken)
    {
        var body = await Http.GetFromJsonAsync<JsonElement>("api/v1/targets", cancellationToken);
        return body.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
            .ToDictionary(t => t.GetProperty("labels").GetProperty("job").GetString()!, t => t.GetProperty("health").GetString()!);
    }

    /// <summary>Polls the target list until <paramref name="job"/>'s target has the wanted health ("up", or null for any).</summary>
    public async Task<string> WaitForTargetAsync(string job, string? health, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var last = "(not listed)";
        while (clock.Elapsed < deadline)
        {
            var targets = await TargetHealthAsync(cancellationToken);
            if (targets.TryGetValue(job, out var current))
            {
                last = current;
                if (health is null || current == health)
                {
                    return current;
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }

        throw new TimeoutException($"Prometheus' target '{job}' was '{last}', not '{health ?? "listed"}', after {deadline.TotalSeconds} s:\n{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartDeadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Prometheus exited with code {process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await Http.GetAsync("-/ready", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }

        throw new TimeoutException($"Prometheus was not ready within {StartDeadline.TotalSeconds} s:\n{Output}");
    }
}
