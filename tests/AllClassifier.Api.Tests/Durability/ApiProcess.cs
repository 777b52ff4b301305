using System.Collections.Concurrent;
using System.Diagnostics;
using AllClassifier.Tests.Signing;
using System.Text.RegularExpressions;

namespace AllClassifier.Api.Tests.Durability;

/// <summary>
/// The built API (<c>dotnet AllClassifier.Api.dll</c> from the test output) as a real child process on a free
/// loopback port, so a test can kill it the way an operating system would.
/// </summary>
public sealed partial class ApiProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(90);
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output;

    private ApiProcess(Process process, ConcurrentQueue<string> output, Uri address)
    {
        _process = process;
        _output = output;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    /// <summary>The API's process id, for what only the OS knows of it (/proc: page faults, resident memory).</summary>
    public int ProcessId => _process.Id;

    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>Starts the API with the given settings (environment variables) and waits until it answers /ping.</summary>
    public static async Task<ApiProcess> StartAsync(IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "AllClassifier.Api.dll") },
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        start.Environment[TestSigningKey.PublicKeyVariable] = TestSigningKey.PublicKey;
        start.Environment.Remove("ASPNETCORE_HTTP_PORTS");
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        var output = new ConcurrentQueue<string>();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("The API exited before listening."));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        Uri address;
        try
        {
            address = await listening.Task.WaitAsync(StartDeadline, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            process.Kill();
            throw new InvalidOperationException($"The API did not start: {ex.Message}{Environment.NewLine}{string.Join(Environment.NewLine, output)}", ex);
        }

        var api = new ApiProcess(process, output, address);
        await api.WaitForPingAsync(cancellationToken);
        return api;

        void Collect(string? line)
        {
            if (line is null)
            {
                return;
            }

            output.Enqueue(line);
            if (ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        }
    }

    /// <summary>SIGKILL: no shutdown hook, no flush, no disposal runs.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Http.Dispose();
        _process.Dispose();
    }

    private async Task WaitForPingAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await Http.GetAsync("/ping", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (clock.Elapsed < StartDeadline)
            {
            }

            if (clock.Elapsed > StartDeadline)
            {
                throw new TimeoutException($"The API at {Address} did not answer /ping.{Environment.NewLine}{Output}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
