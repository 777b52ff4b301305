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
        var scoreOnly = Latencies(() => classifier.Classify(tensor), duration / 2);
        var withDecode = Latencies(() => classifier.Classify(preprocessor.ToTensor(bytes)), duration / 2);
        // The API's whole-machine session: what one request on an idle machine gets.
        using var wide = OnnxClassifier.Load(champion.ModelPath, new ScorerOptions { IntraOpThreads = Environment.ProcessorCount });
        wide.Classify(tensor);
        var scoreWide = Latencies(() => wide.Classify(tensor), duration / 2);
        // Alternating the two calls exposes both to the same background load, so their difference stays meaningful.
        var withMap = classifier.HasClassActivationMap
            ? PairedDifferences(() => classifier.Score(tensor), () => classifier.Explain(tensor), duration / 2)
            : null;
        var stages = StageMilliseconds(preprocessor, classifier, bytes, duration / 2);
        var (throughputScore, cpuScore) = Throughput(workers, duration, () => { var t = preprocessor.ToTensor(bytes); return () => classifier.Classify(t); });
        var (throughputFull, cpuFull) = Throughput(workers, duration, () => () => classifier.Classify(preprocessor.ToTensor(bytes)));

        var precision = champion.Card.Precision;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"raw scorer {precision}, 1 thread:  score only p50 {Percentile(scoreOnly, 50):F1} ms p95 {Percentile(scoreOnly, 95):F1} ms | decode+score p50 {Percentile(withDecode, 50):F1} ms p95 {Percentile(withDecode, 95):F1} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"raw scorer {precision}, {Environment.ProcessorCount} threads: score only p50 {Percentile(scoreWide, 50):F1} ms p95 {Percentile(scoreWide, 95):F1} ms"));
        if (withMap is not null)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"raw scorer {precision}, 1 thread:  fetching the class activation map adds p50 {Percentile(withMap, 50):F2} ms per image (paired with score only)"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"raw scorer {precision}, stage medians on one thread: decode {stages.Decode:F2} ms, decode+resize {stages.DecodeAndResize:F2} ms, tensor {stages.Tensor:F2} ms, inference {stages.Inference:F2} ms, response JSON {stages.Response:F3} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"raw scorer {precision}, {workers} workers: score only {throughputScore:F1} images/s ({cpuScore:F1} CPU ms each) | decode+score {throughputFull:F1} images/s ({cpuFull:F1} CPU ms each)"));
        // Machine-readable line for bench/predict.sh.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RAW p50_score_ms={Percentile(scoreOnly, 50):F2} p50_score_wide_ms={Percentile(scoreWide, 50):F2} p50_full_ms={Percentile(withDecode, 50):F2} ips_score={throughputScore:F2} ips_full={throughputFull:F2} cpu_full_ms={cpuFull:F2}"));
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

    private sealed record Stages(double Decode, double DecodeAndResize, double Tensor, double Inference, double Response);

    /// <summary>Median wall time of each serving stage run alone on this thread (one thread: wall time is CPU time).</summary>
    private static Stages StageMilliseconds(ImagePreprocessor preprocessor, OnnxClassifier classifier, byte[] bytes, TimeSpan duration)
    {
        List<double> decode = [], resize = [], tensor = [], inference = [], response = [];
        var buffer = new float[ImagePreprocessor.TensorLength];
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < end || decode.Count < 20)
        {
            var started = Stopwatch.GetTimestamp();
            using (SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(bytes))
            {
            }

            var decoded = Stopwatch.GetTimestamp();
            using var resized = preprocessor.LoadResized(bytes);
            var loaded = Stopwatch.GetTimestamp();
            ImagePreprocessor.WriteTensor(resized, buffer);
            var written = Stopwatch.GetTimestamp();
            var probabilities = classifier.Classify(buffer);
            var scored = Stopwatch.GetTimestamp();
            System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { probabilities, predicted = 0, class_name = "Benign", model_version = 1 });
            var answered = Stopwatch.GetTimestamp();
            decode.Add(Stopwatch.GetElapsedTime(started, decoded).TotalMilliseconds);
            resize.Add(Stopwatch.GetElapsedTime(decoded, loaded).TotalMilliseconds);
            tensor.Add(Stopwatch.GetElapsedTime(loaded, written).TotalMilliseconds);
            inference.Add(Stopwatch.GetElapsedTime(written, scored).TotalMilliseconds);
            response.Add(Stopwatch.GetElapsedTime(scored, answered).TotalMilliseconds);
        }

        return new Stages(Percentile(decode, 50), Percentile(resize, 50), Percentile(tensor, 50), Percentile(inference, 50), Percentile(response, 50));
    }

    /// <summary>Images per second over <paramref name="workers"/> threads, and the process CPU time per image.</summary>
    private static (double ImagesPerSecond, double CpuMsPerImage) Throughput(int workers, TimeSpan duration, Func<Action> makeWorker)
    {
        var counts = new int[workers];
        var actions = Enumerable.Range(0, workers).Select(_ => makeWorker()).ToArray();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
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
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        return (counts.Sum() / stopwatch.Elapsed.TotalSeconds, cpu.TotalMilliseconds / Math.Max(1, counts.Sum()));
    }

    private static double Percentile(List<double> samples, double percentile)
    {
        var sorted = samples.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
