using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AllClassifier.Training.Synthetic;

/// <summary>A circle, in pixels of the 224×224 image, that contains one drawn leukocyte.</summary>
public sealed record DrawnCell(float X, float Y, float Radius)
{
    /// <summary>Whether the axis-aligned rectangle [left, right) × [top, bottom) touches the circle.</summary>
    public bool Touches(float left, float top, float right, float bottom)
    {
        var dx = X - Math.Clamp(X, left, right);
        var dy = Y - Math.Clamp(Y, top, bottom);
        return (dx * dx) + (dy * dy) <= Radius * Radius;
    }
}

/// <summary>A generated smear and the ground truth of where its leukocytes are.</summary>
public sealed record SyntheticSmear(Image<Rgb24> Image, IReadOnlyList<DrawnCell> Leukocytes) : IDisposable
{
    public void Dispose() => Image.Dispose();
}
