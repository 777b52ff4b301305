namespace AllClassifier.Model.Imaging;

/// <summary>Why an uploaded or dataset file cannot be used as an image.</summary>
public enum ImageRejection
{
    Empty,
    UnsupportedFormat,
    Corrupt,
    DimensionsTooLarge,
    DimensionsTooSmall,
}

/// <summary>Thrown when bytes are not an image this system accepts; the message is safe to show to a user.</summary>
public sealed class ImageRejectedException(ImageRejection reason, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public ImageRejection Reason { get; } = reason;
}
