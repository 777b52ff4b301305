using System.Globalization;
using AllClassifier.Web.Backend;

namespace AllClassifier.Web.Pages;

/// <summary>
/// The geometry of a reliability diagram drawn as inline SVG (no script, so the page's strict CSP holds): one bar per
/// confidence bin, as high as the accuracy of the test images in it, beside the diagonal a calibrated model follows.
/// </summary>
public sealed class ReliabilityDiagram(IReadOnlyList<ReliabilityBin> bins)
{
    public const int PlotSize = 200;
    public const int Margin = 32;
    public const int Size = PlotSize + (2 * Margin);

    public IReadOnlyList<Bar> Bars { get; } = bins
        .Where(bin => bin.Count > 0)
        .Select(bin => new Bar(
            X(bin.Lower),
            Y(bin.Accuracy),
            X(bin.Upper) - X(bin.Lower),
            Y(0) - Y(bin.Accuracy),
            Y(bin.MeanConfidence),
            string.Create(CultureInfo.InvariantCulture, $"confidence {bin.Lower:0.0}–{bin.Upper:0.0}: {bin.Count} images, accuracy {bin.Accuracy:0.000}, mean confidence {bin.MeanConfidence:0.000}")))
        .ToList();

    public static IReadOnlyList<double> Ticks { get; } = [0, 0.25, 0.5, 0.75, 1];

    /// <summary>SVG x of a confidence.</summary>
    public static double X(double confidence) => Margin + (confidence * PlotSize);

    /// <summary>SVG y of an accuracy (SVG's y grows downwards).</summary>
    public static double Y(double accuracy) => Margin + ((1 - accuracy) * PlotSize);

    public static string Format(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>A bin's bar; <see cref="ConfidenceY"/> marks its mean confidence, where a calibrated bar would end.</summary>
    public sealed record Bar(double X, double Y, double Width, double Height, double ConfidenceY, string Title);
}
