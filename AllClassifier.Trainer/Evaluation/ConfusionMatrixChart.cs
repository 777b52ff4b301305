using System.Globalization;
using AllClassifier.Model.Registry;
using SkiaSharp;

namespace AllClassifier.Trainer.Evaluation;

/// <summary>
/// Draws the confusion matrix as a PNG heat map: rows are the true class, columns the prediction, each cell shows
/// its count and is coloured by its share of the row, so classes of different sizes compare fairly.
/// </summary>
public static class ConfusionMatrixChart
{
    private const int Cell = 120;
    private const int Left = 210;
    private const int Top = 110;
    private const int Right = 40;
    private const int Bottom = 150;

    public static byte[] RenderPng(EvaluationMetrics metrics, string title)
    {
        var classes = metrics.PerClass.Select(c => c.DisplayName).ToList();
        var n = classes.Count;
        using var regular = Typeface(SKFontStyle.Normal);
        using var bold = Typeface(SKFontStyle.Bold);
        using var titleFont = new SKFont(bold, 20);

        // Wide enough for the title too, so a long run id is never cut off.
        var width = (int)Math.Ceiling(Math.Max(Left + (n * Cell) + Right, titleFont.MeasureText(title) + 40));
        var height = Top + (n * Cell) + Bottom;
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);

        using var subtitleFont = new SKFont(regular, 15);
        using var labelFont = new SKFont(regular, 14);
        using var axisFont = new SKFont(bold, 15);
        using var countFont = new SKFont(bold, 22);
        using var shareFont = new SKFont(regular, 13);
        using var ink = new SKPaint { Color = new SKColor(33, 37, 41), IsAntialias = true };

        canvas.DrawText(title, width / 2f, 34, SKTextAlign.Center, titleFont, ink);
        canvas.DrawText(
            string.Create(CultureInfo.InvariantCulture, $"accuracy {metrics.Accuracy:P1} · macro-F1 {metrics.MacroF1:F3} · {metrics.TestCount} test images"),
            width / 2f, 60, SKTextAlign.Center, subtitleFont, ink);

        for (var row = 0; row < n; row++)
        {
            var rowTotal = metrics.ConfusionMatrix[row].Sum();
            for (var column = 0; column < n; column++)
            {
                var count = metrics.ConfusionMatrix[row][column];
                var share = rowTotal == 0 ? 0 : (double)count / rowTotal;
                var rect = SKRect.Create(Left + (column * Cell), Top + (row * Cell), Cell, Cell);
                using var fill = new SKPaint { Color = HeatColor(share), Style = SKPaintStyle.Fill };
                canvas.DrawRect(rect, fill);
                using var border = new SKPaint { Color = SKColors.White, Style = SKPaintStyle.Stroke, StrokeWidth = 2 };
                canvas.DrawRect(rect, border);
                using var text = new SKPaint { Color = share > 0.55 ? SKColors.White : new SKColor(33, 37, 41), IsAntialias = true };
                canvas.DrawText(count.ToString(CultureInfo.InvariantCulture), rect.MidX, rect.MidY + 4, SKTextAlign.Center, countFont, text);
                canvas.DrawText(share.ToString("P0", CultureInfo.InvariantCulture), rect.MidX, rect.MidY + 26, SKTextAlign.Center, shareFont, text);
            }

            canvas.DrawText(classes[row], Left - 12, Top + (row * Cell) + (Cell / 2f) + 5, SKTextAlign.Right, labelFont, ink);
        }

        for (var column = 0; column < n; column++)
        {
            // Column labels run diagonally so long display names do not overlap.
            canvas.Save();
            canvas.Translate(Left + (column * Cell) + (Cell / 2f), Top + (n * Cell) + 14);
            canvas.RotateDegrees(30);
            canvas.DrawText(classes[column], 0, 10, SKTextAlign.Left, labelFont, ink);
            canvas.Restore();
        }

        canvas.DrawText("Predicted class", Left + (n * Cell / 2f), height - 18, SKTextAlign.Center, axisFont, ink);
        canvas.Save();
        canvas.Translate(22, Top + (n * Cell / 2f));
        canvas.RotateDegrees(-90);
        canvas.DrawText("True class", 0, 0, SKTextAlign.Center, axisFont, ink);
        canvas.Restore();

        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    private static SKTypeface Typeface(SKFontStyle style) =>
        SKFontManager.Default.MatchFamily("DejaVu Sans", style) ?? SKTypeface.Default;

    /// <summary>White at 0 to a deep blue at 1.</summary>
    private static SKColor HeatColor(double share)
    {
        var t = Math.Clamp(share, 0, 1);
        static byte Mix(byte from, byte to, double t) => (byte)Math.Round(from + ((to - from) * t));
        return new SKColor(Mix(247, 8, t), Mix(251, 69, t), Mix(255, 148, t));
    }
}
