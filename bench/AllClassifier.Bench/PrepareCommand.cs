using System.ComponentModel;
using AllClassifier.Training.Heads;
using AllClassifier.Training.Onnx;
using AllClassifier.Model.Registry;
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
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var version = BenchModels.RegisterChampion(settings.Registry, seed: 7);
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
        Console.WriteLine($"registered version {version.Version} at {version.Directory}; image {settings.Image} ({new FileInfo(settings.Image).Length} bytes)");
        return 0;
    }
}
