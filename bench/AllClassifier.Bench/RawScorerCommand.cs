using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using AllClassifier.Api.Serving;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Registry;
using Microsoft.Extensions.Options;
using Spectre.Console.Cli;

namespace AllClassifier.Bench;

/// <summary>
/// The in-process ceiling the HTTP figures are compared with: the champion loaded by the API's own loader with the
/// API's default serving options (the same graphs, first-convolution form, sessions, thread counts, arena and
/// warm-up), scoring the same JPEGs as the HTTP run, without HTTP, multipart parsing or JSON.
/// </summary>
public sealed class RawScorerCommand : Command<RawScorerCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--registry <DIR>")]
        public required string Registry { get; init; }

        [CommandOption("--images <DIR>")]
        [Description("Folder of JPEGs scored in turn (the HTTP run posts the same ones).")]
        public required string Images { get; init; }

        [CommandOption("--seconds <N>")]
        [DefaultValue(10)]
        public int Seconds { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var champion = new LocalModelRegistry(settings.Registry).Champion() ?? throw new InvalidOperationException("The registry has no champion.");
        var serving = new ModelServingOptions();
        using var signatures = BenchModels.Verifier(settings.Registry);
        var served = new ModelLoader(Options.Create(serving), signatures).Load(champion);
        var images = Directory.GetFiles(settings.Images).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        var preprocessor = new ImagePreprocessor();
        var duration = TimeSpan.FromSeconds(settings.Seconds);
        var workers = serving.MaxConcurrentInferences;

        // What /predict runs per request: decode + resize + tensor + inference, on the session the gate would grant.
        Action Request(OnnxClassifier classifier)
        {
            var tensor = new float[ImagePreprocessor.TensorLength];
            var next = 0;
            return () =>
            {
                using (var resized = preprocessor.LoadResized(images[next++ % images.Length]))
                {
                    ImagePreprocessor.WriteTensor(resized, tensor);
                }

                classifier.Classify(tensor);
            };
        }

        var wide = Latencies(Request(served.ClassifierFor(wholeMachine: true)), duration / 2);
        var one = Latencies(Request(served.Classifier), duration / 2);
        var throughput = Throughput(workers, duration, () => Request(served.Classifier));

        var variant = served.Variant;
        var form = variant.FirstConvolutionForm;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"raw scorer ({champion.Card.Precision}, first convolution {form}, {serving.IntraOpThreads} thread per inference, arena {(serving.OnnxMemoryArena ? "shared" : "off")}, {images.Length} images): decode+score p50 {Percentile(wide, 50):F1} ms on the {workers}-thread idle-machine session, {Percentile(one, 50):F1} ms on one thread"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"raw scorer, {workers} parallel inferences: {throughput.ImagesPerSecond:F1} images/s, {throughput.CpuMs:F1} CPU ms and {throughput.Faults:F0} minor page faults per image"));

        // Whether ONNX Runtime skips nodes a run does not fetch: the explaining graph asked for probabilities only
        // against the graph without the map, in alternation so both see the same background load.
        var pruning = served.Explainer is { } explainer
            ? Median(PairedDifferences(Request(served.Classifier), Request(explainer), duration / 2))
            : double.NaN;
        if (!double.IsNaN(pruning))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"graph with the class activation map, fetching probabilities only: {pruning:+0.00;-0.00} CPU ms per image against the pruned graph (paired, median)"));
        }

        // The first convolution's forms, one thread each, alternating.
        var model = champion.ReadVerifiedModel();
        var forms = ServingGraph.Forms(model);
        var formCost = double.NaN;
        if (forms.Count == 2)
        {
            var outputs = ServingGraph.Outputs(model).Where(o => o != ClassifierModelFile.ClassActivationMapName).ToList();
            using var uint8 = OnnxClassifier.Load(ServingGraph.Prepare(model, FirstConvolutionForm.Uint8, outputs));
            using var int8 = OnnxClassifier.Load(ServingGraph.Prepare(model, FirstConvolutionForm.Int8, outputs));
            var tensor = preprocessor.ToTensor(images[0]);
            for (var i = 0; i < 5; i++)
            {
                uint8.Classify(tensor);
                int8.Classify(tensor);
            }

            formCost = Median(PairedDifferences(() => int8.Classify(tensor), () => uint8.Classify(tensor), duration / 2));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"first convolution uint8 instead of int8 on this CPU ({string.Join(' ', variant.CpuFeatures)}): {formCost:+0.00;-0.00} CPU ms per image (one thread, paired, median)"));
        }

        // The arena's effect, measured the same way without it.
        using var noArena = OnnxClassifier.Load(ServingGraph.Prepare(model, form == "none" ? null : form,
            ServingGraph.Outputs(model).Where(o => o != ClassifierModelFile.ClassActivationMapName).ToList()),
            new ScorerOptions { IntraOpThreads = serving.IntraOpThreads, MemoryArena = false });
        var withoutArena = Throughput(workers, duration / 2, () => Request(noArena));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"without the arena: {withoutArena.ImagesPerSecond:F1} images/s, {withoutArena.CpuMs:F1} CPU ms and {withoutArena.Faults:F0} minor page faults per image"));

        // Machine-readable line for bench/predict.sh.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RAW p50_wide_ms={Percentile(wide, 50):F2} p50_one_ms={Percentile(one, 50):F2} ips={throughput.ImagesPerSecond:F2} cpu_ms={throughput.CpuMs:F2} faults={throughput.Faults:F1} cam_ms={pruning:F2} uint8_extra_ms={formCost:F2} form={form} ips_no_arena={withoutArena.ImagesPerSecond:F2} faults_no_arena={withoutArena.Faults:F1}"));
        return 0;
    }

    internal static List<double> Latencies(Action run, TimeSpan duration)
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

    /// <summary>
    /// Runs <paramref name="baseline"/> and <paramref name="candidate"/> alternately on this thread; returns candidate −
    /// baseline per pair in this thread's CPU time (one-thread sessions compute on the caller), which other processes'
    /// load on a shared machine barely moves, unlike wall time.
    /// </summary>
    internal static List<double> PairedDifferences(Action baseline, Action candidate, TimeSpan duration)
    {
        var differences = new List<double>();
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < end || differences.Count < 20)
        {
            var started = ThreadCpuMilliseconds();
            baseline();
            var middle = ThreadCpuMilliseconds();
            candidate();
            differences.Add(ThreadCpuMilliseconds() - middle - (middle - started));
        }

        return differences;
    }

    private const int ThreadCpuClock = 3; // CLOCK_THREAD_CPUTIME_ID

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private static double ThreadCpuMilliseconds() =>
        ClockGetTime(ThreadCpuClock, out var time) == 0 ? (time.Seconds * 1e3) + (time.Nanoseconds / 1e6) : double.NaN;

    private sealed record Rate(double ImagesPerSecond, double CpuMs, double Faults);

    /// <summary>Images per second over <paramref name="workers"/> threads; the process's CPU time and minor faults per image.</summary>
    private static Rate Throughput(int workers, TimeSpan duration, Func<Action> makeWorker)
    {
        var counts = new int[workers];
        var actions = Enumerable.Range(0, workers).Select(_ => makeWorker()).ToArray();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var faultsBefore = MinorFaults();
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
        var images = Math.Max(1, counts.Sum());
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        return new Rate(counts.Sum() / stopwatch.Elapsed.TotalSeconds, cpu.TotalMilliseconds / images, (MinorFaults() - faultsBefore) / (double)images);
    }

    /// <summary>Field 10 of /proc/self/stat (after the parenthesised command name).</summary>
    private static long MinorFaults()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[7], CultureInfo.InvariantCulture);
    }

    private static double Median(List<double> samples) => Percentile(samples, 50);

    internal static double Percentile(List<double> samples, double percentile)
    {
        var sorted = samples.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
