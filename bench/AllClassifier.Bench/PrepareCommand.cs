using System.ComponentModel;
using AllClassifier.Training.Heads;
using AllClassifier.Training.Onnx;
using AllClassifier.Model;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Registry;
using AllClassifier.Training.Quantization;
using AllClassifier.Training.Synthetic;
using Spectre.Console;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using Spectre.Console.Cli;

namespace AllClassifier.Bench;

public sealed class PrepareCommand : Command<PrepareCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--registry <DIR>")]
        [Description("Registry root to create.")]
        public required string Registry { get; init; }

        [CommandOption("--image <FILE>")]
        [Description("Where to write the test JPEG (224x224, like the public dataset).")]
        public required string Image { get; init; }

        [CommandOption("--precision <PRECISION>")]
        [Description("Backbone arithmetic: fp32, or int8 (calibrated on generated smears).")]
        [DefaultValue(BackbonePrecision.Fp32)]
        public string Precision { get; init; } = BackbonePrecision.Fp32;

        [CommandOption("--tta-views <N>")]
        [Description("The card's test-time augmentation: views the API scores and averages per image (1, 2, 4 or 8).")]
        [DefaultValue(1)]
        public int TestTimeViews { get; init; } = 1;

        [CommandOption("--smears <DIR>")]
        [Description("Also write this many distinct generated smear JPEGs here (see --smear-count), for benchmarks that cycle bodies.")]
        public string? Smears { get; init; }

        [CommandOption("--smear-count <N>")]
        [DefaultValue(64)]
        public int SmearCount { get; init; } = 64;

        public override ValidationResult Validate() =>
            DihedralView.TestTimeViewCounts.Contains(TestTimeViews)
                ? BenchModels.ValidatePrecision(Precision)
                : ValidationResult.Error("--tta-views must be 1, 2, 4 or 8.");
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var version = BenchModels.RegisterChampion(settings.Registry, seed: 7, BenchModels.Int8RangesFor(settings.Precision), settings.TestTimeViews);
        var random = new Random(7);

        using var image = new Image<Rgb24>(224, 224);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    var inCell = ((x - 112) * (x - 112)) + ((y - 112) * (y - 112)) < 50 * 50;
                    row[x] = inCell ? new Rgb24(90, 40, 150) : new Rgb24((byte)(220 + random.Next(20)), (byte)(190 + random.Next(30)), 210);
                }
            }
        });
        image.SaveAsJpeg(settings.Image, new JpegEncoder { Quality = 90 });
        Console.WriteLine($"registered {settings.Precision} ({settings.TestTimeViews} test-time view(s)) version {version.Version} at {version.Directory} ({new FileInfo(version.ModelPath).Length / 1e6:F1} MB); image {settings.Image} ({new FileInfo(settings.Image).Length} bytes)");
        if (settings.Smears is { } folder)
        {
            Directory.CreateDirectory(folder);
            var index = 0;
            foreach (var jpeg in BenchModels.GeneratedSmears(seed: 4242, settings.SmearCount))
            {
                File.WriteAllBytes(Path.Combine(folder, $"smear-{index++:D3}.jpg"), jpeg);
            }

            Console.WriteLine($"wrote {settings.SmearCount} distinct smears to {folder}");
        }

        return 0;
    }

}
