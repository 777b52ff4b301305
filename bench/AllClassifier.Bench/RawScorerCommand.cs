using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Registry;
using Spectre.Console.Cli;

namespace AllClassifier.Bench;

/// <summary>
/// The in-process ceiling the HTTP figures are compared with: the champion scored with the API's settings
/// (one ONNX thread per inference, one inference per core), without HTTP, multipart parsing or JSON.
/// </summary>
public sealed class RawScorerCommand : Command<RawScorerCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--registry <DIR>")]
        public required string Registry { get; init; }

        [CommandOption("--image <FILE>")]
        public required string Image { get; init; }

        [CommandOption("--seconds <N>")]
        [DefaultValue(10)]
        public int Seconds { get; init; }

        [CommandOption("--workers <N>")]
        [Description("Parallel inferences for the throughput run (default: processor count, as the API).")]
        public int? Workers { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var champion = new LocalModelRegistry(settings.Registry).Champion() ?? throw new InvalidOperationException("The registry has no champion.");
        using var classifier = OnnxClassifier.Load(champion.ModelPath, new ScorerOptions { IntraOpThreads = 1 });
        var preprocessor = new ImagePreprocessor();
        var bytes = File.ReadAllBytes(settings.Image);
        var workers = settings.Workers ?? Environment.ProcessorCount;
        var duration = TimeSpan.FromSeconds(settings.Seconds);

        for (var i = 0; i < 10; i++)
        {
            classifier.Score(preprocessor.ToTensor(bytes));
        }

        var tensor = preprocessor.ToTensor(bytes);
        var scoreOnly = Latencies(() => classifier.Score(tensor), duration / 2);
        var withDecode = Latencies(() => classifier.Score(preprocessor.ToTensor(bytes)), duration / 2);
        // Alternating the two calls exposes both to the same background load, so their difference stays meaningful.
        var withMap = classifier.HasClassActivationMap
            ? PairedDifferences(() => classifier.Score(tensor), () => classifier.Explain(tensor), duration / 2)
            : null;
        var throughputScore = Throughput(workers, duration, () => { var t = preprocessor.ToTensor(bytes); return () => classifier.Score(t); });
        var throughputFull = Throughput(workers, duration, () => () => classifier.Score(preprocessor.ToTensor(bytes)));

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"raw scorer, 1 thread:  score only p50 {Percentile(scoreOnly, 50):F1} ms p95 {Percentile(scoreOnly, 95):F1} ms | decode+score p50 {Percentile(withDecode, 50):F1} ms p95 {Percentile(withDecode, 95):F1} ms"));
        if (withMap is not null)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"raw scorer, 1 thread:  fetching the class activation map adds p50 {Percentile(withMap, 50):F2} ms per image (paired with score only)"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"raw scorer, {workers} workers: score only {throughputScore:F1} images/s | decode+score {throughputFull:F1} images/s"));
        // Machine-readable line for bench/predict.sh.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RAW p50_score_ms={Percentile(scoreOnly, 50):F2} p50_full_ms={Percentile(withDecode, 50):F2} ips_score={throughputScore:F2} ips_full={throughputFull:F2}"));
        return 0;
    }

    private static List<double> Latencies(Action run, TimeSpan duration)
    {
        var samples = new List<double>();
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < end || samples.Count < 20)
        {
            var started = Stopwatch.GetTimestamp();
            run();
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return samples;
    }

    /// <summary>Runs <paramref name="baseline"/> and <paramref name="candidate"/> alternately; returns candidate − baseline per pair.</summary>
    private static List<double> PairedDifferences(Action baseline, Action candidate, TimeSpan duration)
    {
        var differences = new List<double>();
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < end || differences.Count < 20)
        {
            var started = Stopwatch.GetTimestamp();
            baseline();
            var middle = Stopwatch.GetTimestamp();
            candidate();
            differences.Add(Stopwatch.GetElapsedTime(middle).TotalMilliseconds - Stopwatch.GetElapsedTime(started, middle).TotalMilliseconds);
        }

        return differences;
    }

    private static double Throughput(int workers, TimeSpan duration, Func<Action> makeWorker)
    {
        var counts = new int[workers];
        var actions = Enumerable.Range(0, workers).Select(_ => makeWorker()).ToArray();
        var stopwatch = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, workers).Select(w => new Thread(() =>
        {
            while (stopwatch.Elapsed < duration)
            {
                actions[w]();
                counts[w]++;
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return counts.Sum() / stopwatch.Elapsed.TotalSeconds;
    }

    private static double Percentile(List<double> samples, double percentile)
    {
        var sorted = samples.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
