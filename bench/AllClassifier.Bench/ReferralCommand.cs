using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using AllClassifier.Model;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Referral;
using AllClassifier.Model.Registry;
using AllClassifier.Training.Augmentation;
using AllClassifier.Training.Onnx;
using AllClassifier.Training.Referral;
using Microsoft.ML.OnnxRuntime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using Spectre.Console.Cli;

namespace AllClassifier.Bench;

/// <summary>
/// The referral gate of a trained champion measured as the API applies it (the composed model's in-graph score, the
/// quality checks, the card's thresholds) on: the run's unseen test fields, the same under each evaluation acquisition
/// shift, every folder of out-of-distribution images given, and junk generated here from the test fields (seeded).
/// Prints referral rate per group, accuracy on the test images let through, the AUROC of the score against the test
/// fields (and of 1 − max probability, the baseline a gate-less model has), and the gate's added latency per request.
/// </summary>
public sealed class ReferralCommand : Command<ReferralCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--registry <DIR>")]
        [Description("Registry whose champion (trained with a referral gate) is measured.")]
        public required string Registry { get; init; }

        [CommandOption("--test-manifest <FILE>")]
        [Description("The champion's run's test manifest (path,label,...; paths relative to --workdir).")]
        public required string TestManifest { get; init; }

        [CommandOption("--workdir <DIR>")]
        public required string WorkDirectory { get; init; }

        [CommandOption("--gate-parameters <FILE>")]
        [Description("The run's fitted gate (referral_gate*.bin): its standalone graph is timed for the added latency.")]
        public string? GateParameters { get; init; }

        [CommandOption("--ood <DIR>")]
        [Description("Folder of out-of-distribution groups, one sub-folder each (JPEG/PNG/BMP files).")]
        public string? OodDirectory { get; init; }

        [CommandOption("--max-per-group <N>")]
        [DefaultValue(200)]
        public int MaxPerGroup { get; init; }

        [CommandOption("--junk <N>")]
        [Description("Generated images per junk kind.")]
        [DefaultValue(50)]
        public int Junk { get; init; }

        [CommandOption("--latency-pairs <N>")]
        [DefaultValue(400)]
        public int LatencyPairs { get; init; }
    }

    private sealed record Outcome(bool Refer, IReadOnlyList<string> Reasons, double Score, double MaxProbability, int Predicted);

    private sealed record Group(string Name, string Kind, IReadOnlyList<Outcome> Outcomes, int Unreadable);

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var champion = new LocalModelRegistry(settings.Registry).Champion()
            ?? throw new InvalidOperationException($"No champion in {settings.Registry}.");
        if (champion.Card.ReferralGate is not { Present: true } gate)
        {
            throw new InvalidOperationException($"Version {champion.Version} has no referral gate.");
        }

        using var classifier = OnnxClassifier.Load(champion.ModelPath, new ScorerOptions { IntraOpThreads = 1 });
        if (!classifier.HasOodScore)
        {
            throw new InvalidOperationException($"Version {champion.Version}'s model computes no out-of-distribution score.");
        }

        var preprocessor = new ImagePreprocessor();
        var test = ReadManifest(settings.TestManifest, settings.WorkDirectory);
        Outcome Judge(byte[] bytes)
        {
            var header = preprocessor.Inspect(bytes);
            var tensor = new float[ImagePreprocessor.TensorLength];
            preprocessor.WriteInspectedTensor(bytes, tensor);
            var (probabilities, score) = classifier.ClassifyWithOodScore(tensor);
            var decision = gate.Decide(ImageQuality.Measure(tensor, header.Width, header.Height), score!.Value);
            var predicted = (int)CellClasses.All.MaxBy(c => probabilities[(int)c]);
            return new Outcome(decision.Refer, decision.Reasons, score.Value, probabilities[predicted], predicted);
        }

        Group Measure(string name, string kind, IEnumerable<byte[]> images)
        {
            var outcomes = new List<Outcome>();
            var unreadable = 0;
            foreach (var bytes in images)
            {
                try
                {
                    outcomes.Add(Judge(bytes));
                }
                catch (ImageRejectedException)
                {
                    // Refused before classification (format, size, corrupt): the API answers 4xx, never a class.
                    unreadable++;
                }
            }

            Console.Error.WriteLine($"  {name}: {outcomes.Count} scored, {unreadable} refused by the upload checks");
            return new Group(name, kind, outcomes, unreadable);
        }

        var testBytes = test.Select(entry => File.ReadAllBytes(entry.Path)).ToList();
        var groups = new List<Group> { Measure("ALL test fields (unseen)", "in-distribution", testBytes) };
        var inDistribution = groups[0].Outcomes;
        var accepted = inDistribution.Select((outcome, i) => (outcome, test[i].Class)).Where(pair => !pair.outcome.Refer).ToList();
        var acceptedAccuracy = accepted.Count == 0 ? 0 : accepted.Count(pair => pair.outcome.Predicted == (int)pair.Class) / (double)accepted.Count;
        var allAccuracy = inDistribution.Select((outcome, i) => outcome.Predicted == (int)test[i].Class).Count(correct => correct) / (double)test.Count;
        foreach (var shift in AcquisitionShift.Evaluation)
        {
            groups.Add(Measure($"shift {shift.Key}", "mild shift", testBytes.Select(shift.Apply)));
        }

        if (settings.OodDirectory is { } oodDirectory && Directory.Exists(oodDirectory))
        {
            foreach (var folder in Directory.EnumerateDirectories(oodDirectory).Order(StringComparer.Ordinal))
            {
                var files = Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal).Take(settings.MaxPerGroup);
                groups.Add(Measure(Path.GetFileName(folder), "out-of-distribution", files.Select(File.ReadAllBytes)));
            }
        }

        foreach (var (name, images) in JunkGroups(testBytes, settings.Junk))
        {
            groups.Add(Measure(name, "junk", images));
        }

        var (gateGraph, quality, extraOutput) = AddedLatency(classifier, gate, settings.GateParameters, testBytes, preprocessor, settings.LatencyPairs);
        Print(champion, gate, groups, inDistribution, acceptedAccuracy, allAccuracy, accepted.Count, gateGraph, quality, extraOutput);
        return 0;
    }

    private static void Print(
        RegisteredVersion champion,
        ReferralGate gate,
        List<Group> groups,
        IReadOnlyList<Outcome> inDistribution,
        double acceptedAccuracy,
        double allAccuracy,
        int acceptedCount,
        double? gateGraph,
        double quality,
        double extraOutput)
    {
        Console.WriteLine(Machine());
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"model v{champion.Version} ({champion.Card.Precision}, {champion.Card.Head} head); gate {gate.Describe()}; test split referral at training {gate.TestReferralRate:P2}"));
        var rows = new List<string[]> { new[] { "group", "kind", "images", "refused", "referred", "AUROC ood", "AUROC 1-maxp", "maxp>=0.9", "top reasons" } };
        var inScores = inDistribution.Select(o => o.Score).ToList();
        var inUncertainty = inDistribution.Select(o => 1 - o.MaxProbability).ToList();
        foreach (var group in groups)
        {
            var outcomes = group.Outcomes;
            var referred = outcomes.Count == 0 ? 0 : outcomes.Count(o => o.Refer) / (double)outcomes.Count;
            var isIn = group.Kind == "in-distribution";
            var auroc = isIn || outcomes.Count == 0 ? "" : F(Auroc(inScores, outcomes.Select(o => o.Score).ToList()), "F4");
            var aurocSoftmax = isIn || outcomes.Count == 0 ? "" : F(Auroc(inUncertainty, outcomes.Select(o => 1 - o.MaxProbability).ToList()), "F4");
            var confident = outcomes.Count == 0 ? 0 : outcomes.Count(o => o.MaxProbability >= 0.9) / (double)outcomes.Count;
            var reasons = string.Join(" ", outcomes.SelectMany(o => o.Reasons).GroupBy(r => r).OrderByDescending(g => g.Count()).Take(3)
                .Select(g => $"{g.Key}:{g.Count()}"));
            rows.Add([
                group.Name,
                group.Kind,
                outcomes.Count.ToString(CultureInfo.InvariantCulture),
                group.Unreadable.ToString(CultureInfo.InvariantCulture),
                F(referred * 100, "F1") + " %",
                auroc,
                aurocSoftmax,
                F(confident * 100, "F1") + " %",
                reasons,
            ]);
        }

        // Plain aligned text: the figures are read from logs and pasted into docs, where a console table wraps.
        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(row => row[c].Length)).ToArray();
        foreach (var row in rows)
        {
            Console.WriteLine(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        }
        var exactlyOne = inDistribution.Count(o => o.MaxProbability >= 1f) / (double)Math.Max(1, inDistribution.Count);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"in-distribution: accuracy on the {acceptedCount} images let through {acceptedAccuracy:P2} (all {inDistribution.Count}: {allAccuracy:P2}); max probability exactly 1.0 in float32 for {exactlyOne:P1}; card ECE {champion.Card.Metrics.Calibration?.ExpectedCalibrationError:F4}, temperature {champion.Card.Metrics.Calibration?.Temperature:F3}"));
        var total = (gateGraph ?? 0) + quality + extraOutput;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"added latency per request, p50 on 1 thread: in-graph score {F(gateGraph, "F3")} ms + quality checks and decision {quality:F3} ms + fetching the extra output {extraOutput:F3} ms = {total:F3} ms"));
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"REFERRAL in_referred={groups[0].Outcomes.Count(o => o.Refer) / (double)Math.Max(1, groups[0].Outcomes.Count):F4} accepted_accuracy={acceptedAccuracy:F4} shift_worst_referred={groups.Where(g => g.Kind == "mild shift").Select(g => g.Outcomes.Count(o => o.Refer) / (double)Math.Max(1, g.Outcomes.Count)).DefaultIfEmpty(0).Max():F4} ood_min_referred={groups.Where(g => g.Kind is "out-of-distribution" or "junk").Select(g => g.Outcomes.Count == 0 ? 1 : g.Outcomes.Count(o => o.Refer) / (double)g.Outcomes.Count).DefaultIfEmpty(0).Min():F4} added_p50_ms={total:F3}"));
    }

    private static string F(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "-";

    /// <summary>The CPU model, the SIMD flags ONNX Runtime uses, core count and load: the context of every timing.</summary>
    private static string Machine()
    {
        var cpuinfo = File.Exists("/proc/cpuinfo") ? File.ReadAllLines("/proc/cpuinfo") : [];
        var model = cpuinfo.FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        var flags = (cpuinfo.FirstOrDefault(line => line.StartsWith("flags", StringComparison.Ordinal))?.Split(':', 2)[1] ?? "")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(flag => flag is "sse4_2" or "avx" or "avx2" or "fma" or "f16c" || flag.StartsWith("avx512", StringComparison.Ordinal) || flag.Contains("vnni", StringComparison.Ordinal));
        var load = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
        return $"CPU: {model}; flags {string.Join(' ', flags)}; {Environment.ProcessorCount} cores; load average {load}";
    }

    /// <summary>
    /// The gate's cost per request: its nodes alone as a graph (the same initializers and ops the served model runs),
    /// the model-free checks, and the paired cost of asking the served model for the score output too.
    /// </summary>
    private static (double? GateGraph, double Quality, double ExtraOutput) AddedLatency(
        OnnxClassifier classifier, ReferralGate gate, string? gateParameters, List<byte[]> images, ImagePreprocessor preprocessor, int pairs)
    {
        var tensor = preprocessor.ToTensor(images[0]);
        var header = preprocessor.Inspect(images[0]);
        var quality = RawScorerCommand.Latencies(
            () => gate.Decide(ImageQuality.Measure(tensor, header.Width, header.Height), 1.0),
            TimeSpan.FromSeconds(2));
        var extra = RawScorerCommand.PairedDifferences(
            () => classifier.Classify(tensor), () => classifier.ClassifyWithOodScore(tensor), TimeSpan.FromSeconds(Math.Max(4, pairs * 0.05)));
        double? graph = null;
        if (gateParameters is not null && File.Exists(gateParameters))
        {
            var parameters = MahalanobisGate.Load(gateParameters);
            using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            using var session = new InferenceSession(ClassifierModelComposer.ComposeReferralGate(parameters), options);
            var features = classifier.Score(tensor).Features;
            using var runOptions = new RunOptions();
            using var input = OrtValue.CreateTensorValueFromMemory(features, [1, features.Length]);
            string[] inputNames = [ClassifierModelFile.FeaturesName];
            string[] outputNames = [ClassifierModelFile.OodScoreName];
            graph = RawScorerCommand.Percentile(
                RawScorerCommand.Latencies(
                    () =>
                    {
                        using var outputs = session.Run(runOptions, inputNames, [input], outputNames);
                    },
                    TimeSpan.FromSeconds(2)),
                50);
        }

        return (graph, RawScorerCommand.Percentile(quality, 50), Math.Max(0, RawScorerCommand.Percentile(extra, 50)));
    }

    /// <summary>
    /// Junk a lab sends by mistake, generated from the test fields with a fixed seed: a uniform square in a field's own
    /// mean colour, a blank slide with vignetting, tiny crops, JPEG quality 3, heavy blur, over-exposure, and a field
    /// rotated 45° with black corners.
    /// </summary>
    private static IEnumerable<(string Name, IEnumerable<byte[]> Images)> JunkGroups(List<byte[]> fields, int count)
    {
        var random = new Random(20261208);
        var picks = Enumerable.Range(0, count).Select(_ => random.Next(fields.Count)).ToList();
        var seeds = Enumerable.Range(0, count).Select(_ => random.Next()).ToList();
        Image<Rgb24> Field(int i) => Image.Load<Rgb24>(fields[picks[i]]);
        byte[] Png(Image<Rgb24> image)
        {
            using var stream = new MemoryStream();
            image.SaveAsPng(stream, new PngEncoder());
            return stream.ToArray();
        }

        byte[] Jpeg(Image<Rgb24> image, int quality)
        {
            using var stream = new MemoryStream();
            image.SaveAsJpeg(stream, new JpegEncoder { Quality = quality });
            return stream.ToArray();
        }

        IEnumerable<byte[]> Each(Func<int, byte[]> make) => Enumerable.Range(0, count).Select(make);

        yield return ("junk: uniform stain-coloured square", Each(i =>
        {
            using var field = Field(i);
            double r = 0, g = 0, b = 0;
            field.ProcessPixelRows(rows =>
            {
                for (var y = 0; y < rows.Height; y++)
                {
                    foreach (var pixel in rows.GetRowSpan(y))
                    {
                        (r, g, b) = (r + pixel.R, g + pixel.G, b + pixel.B);
                    }
                }
            });
            var n = (double)field.Width * field.Height;
            using var square = new Image<Rgb24>(256, 256, new Rgb24((byte)(r / n), (byte)(g / n), (byte)(b / n)));
            return Png(square);
        }));
        yield return ("junk: blank slide with vignetting", Each(i =>
        {
            var noise = new Random(seeds[i]);
            using var slide = new Image<Rgb24>(320, 320);
            var tint = noise.Next(-8, 9);
            slide.ProcessPixelRows(rows =>
            {
                for (var y = 0; y < rows.Height; y++)
                {
                    var row = rows.GetRowSpan(y);
                    for (var x = 0; x < row.Length; x++)
                    {
                        var (dx, dy) = ((x - 160) / 160.0, (y - 160) / 160.0);
                        var light = 238 - (70 * ((dx * dx) + (dy * dy))) + noise.Next(-3, 4);
                        row[x] = new Rgb24(Clamp(light + tint), Clamp(light - 4), Clamp(light + 2 - tint));
                    }
                }
            });
            return Png(slide);
        }));
        yield return ("junk: tiny crop (16-40 px)", Each(i =>
        {
            using var field = Field(i);
            var side = 16 + (seeds[i] % 25);
            field.Mutate(x => x.Crop(new Rectangle((field.Width - side) / 2, (field.Height - side) / 2, side, side)));
            return Png(field);
        }));
        yield return ("junk: smear at JPEG quality 3", Each(i =>
        {
            using var field = Field(i);
            return Jpeg(field, 3);
        }));
        yield return ("junk: heavy blur (sigma 6)", Each(i =>
        {
            using var field = Field(i);
            field.Mutate(x => x.GaussianBlur(6));
            return Png(field);
        }));
        yield return ("junk: over-exposed (brightness x2.5)", Each(i =>
        {
            using var field = Field(i);
            field.Mutate(x => x.Brightness(2.5f));
            return Png(field);
        }));
        yield return ("junk: rotated 45 degrees, black corners", Each(i =>
        {
            using var field = Field(i);
            field.Mutate(x => x.Rotate(45));
            return Png(field);
        }));
    }

    private static byte Clamp(double value) => (byte)Math.Clamp(Math.Round(value), 0, 255);

    /// <summary>P(score of an out-of-distribution image &gt; score of an in-distribution one), ties counting half.</summary>
    private static double Auroc(List<double> inDistribution, List<double> outOfDistribution)
    {
        var all = inDistribution.Select(s => (Score: s, Out: false)).Concat(outOfDistribution.Select(s => (Score: s, Out: true)))
            .OrderBy(item => item.Score).ToList();
        double rankSum = 0;
        var i = 0;
        while (i < all.Count)
        {
            var j = i;
            while (j + 1 < all.Count && all[j + 1].Score == all[i].Score)
            {
                j++;
            }

            var averageRank = ((i + j) / 2.0) + 1;
            rankSum += all.Skip(i).Take(j - i + 1).Count(item => item.Out) * averageRank;
            i = j + 1;
        }

        double nOut = outOfDistribution.Count, nIn = inDistribution.Count;
        return (rankSum - (nOut * (nOut + 1) / 2)) / (nOut * nIn);
    }

    private sealed record TestImage(string Path, CellClass Class);

    private static List<TestImage> ReadManifest(string manifest, string workDirectory) =>
        [.. File.ReadLines(manifest).Skip(1).Where(line => line.Length > 0).Select(line =>
        {
            var fields = line.Split(',');
            return new TestImage(System.IO.Path.GetFullPath(System.IO.Path.Combine(workDirectory, fields[0].Trim('"'))), CellClasses.Parse(fields[1].Trim('"')));
        })];
}
