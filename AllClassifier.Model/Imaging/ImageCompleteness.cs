namespace AllClassifier.Model.Imaging;

/// <summary>
/// Detects files cut short. The JPEG decoder fills a truncated scan with grey instead of failing, so a half
/// uploaded photograph would otherwise be classified, stored for retraining and trained on.
/// </summary>
internal static class ImageCompleteness
{
    private const byte MarkerPrefix = 0xFF;
    private const byte StartOfScan = 0xDA;
    private const byte EndOfImage = 0xD9;
    private static readonly byte[] PngEndChunk = "IEND"u8.ToArray();

    /// <summary>True when the file ends the way a whole file of its format must.</summary>
    public static bool IsComplete(ReadOnlySpan<byte> bytes, string formatName) => formatName.ToUpperInvariant() switch
    {
        "JPEG" => JpegHasEndAfterLastScan(bytes),
        "PNG" => bytes.LastIndexOf(PngEndChunk) >= 0,
        _ => true,
    };

    // Entropy-coded data never holds 0xFF followed by a marker byte (0xFF is stuffed as FF 00), so the last
    // FF DA is the last scan header and a whole file has its FF D9 after it.
    private static bool JpegHasEndAfterLastScan(ReadOnlySpan<byte> bytes)
    {
        var lastScan = bytes.LastIndexOf([MarkerPrefix, StartOfScan]);
        return lastScan >= 0 && bytes[lastScan..].IndexOf([MarkerPrefix, EndOfImage]) >= 0;
    }
}
