using System.ComponentModel;
using System.Diagnostics;
using AllClassifier.Feedback;
using AllClassifier.Model;
using AllClassifier.Training.Synthetic;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using Spectre.Console.Cli;

namespace AllClassifier.Bench;

/// <summary>A flat PNG of any size: megapixels that cost almost nothing to upload and everything to decode.</summary>
public sealed class FlatPngCommand : Command<FlatPngCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--out <FILE>")]
        public required string Out { get; init; }

        [CommandOption("--width <N>")]
        [DefaultValue(8000)]
        public int Width { get; init; }

        [CommandOption("--height <N>")]
        [DefaultValue(5000)]
        public int Height { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var image = new Image<Rgb24>(settings.Width, settings.Height, new Rgb24(230, 205, 215));
        image.SaveAsPng(settings.Out, new PngEncoder { CompressionLevel = PngCompressionLevel.BestCompression });
        Console.WriteLine($"{settings.Out}: {settings.Width}x{settings.Height} flat PNG, {new FileInfo(settings.Out).Length:N0} bytes");
        return 0;
    }
}

/// <summary>
/// A feedback table of many large, distinct images, written through the API's own store. Each row is one smear
/// scaled up to an uncompressed BMP of about <c>--megabytes</c>, with the row number stamped as blocks large enough
/// to survive the resize to 224, so no two rows become the same training image.
/// </summary>
public sealed class FeedbackTableCommand : AsyncCommand<FeedbackTableCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--dir <DIR>")]
        [Description("FEEDBACK_DIR: feedback.db is created there.")]
        public required string Directory { get; init; }

        [CommandOption("--rows <N>")]
        [DefaultValue(5000)]
        public int Rows { get; init; }

        [CommandOption("--megabytes <N>")]
        [DefaultValue(1.0)]
        public double Megabytes { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var side = (int)Math.Sqrt(settings.Megabytes * 1024 * 1024 / 3);
        var store = new SqliteFeedbackStore(Options.Create(new FeedbackOptions { Directory = settings.Directory }), TimeProvider.System);
        var bases = CellClasses.All.Select(label => Encode(label, side)).ToArray();
        var clock = Stopwatch.StartNew();
        for (var row = 0; row < settings.Rows; row++)
        {
            var label = CellClasses.All[row % CellClasses.Count];
            var image = Stamp(bases[row % CellClasses.Count], side, row);
            await store.AddAsync(new FeedbackEntry(label, label, image, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image)), null), cancellationToken);
        }

        Console.WriteLine($"{settings.Rows:N0} rows of {side}x{side} BMP ({bases[0].Length:N0} bytes each) written in {clock.Elapsed.TotalSeconds:F1} s to {store.DatabasePath}");
        return 0;
    }

    private static byte[] Encode(CellClass label, int side)
    {
        using var image = new SmearGenerator(seed: 11).Generate(label, index: 0);
        image.Mutate(context => context.Resize(side, side));
        using var stream = new MemoryStream();
        image.Save(stream, new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 });
        return stream.ToArray();
    }

    // 16 blocks along the top edge, black or white by the row number's bits, written straight into the pixel rows.
    private static byte[] Stamp(byte[] bmp, int side, int row)
    {
        var bytes = bmp.ToArray();
        var pixelOffset = BitConverter.ToInt32(bytes, 10);
        var stride = ((side * 3) + 3) & ~3;
        var block = side / 16;
        for (var bit = 0; bit < 16; bit++)
        {
            var value = (byte)(((row >> bit) & 1) == 1 ? 255 : 0);
            for (var y = 0; y < block; y++)
            {
                // BMP rows run bottom-up; the stamp sits on the last rows stored, the top of the picture.
                var rowStart = pixelOffset + ((side - 1 - y) * stride) + (bit * block * 3);
                bytes.AsSpan(rowStart, block * 3).Fill(value);
            }
        }

        return bytes;
    }
}
