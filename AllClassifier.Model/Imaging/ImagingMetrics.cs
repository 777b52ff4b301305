using System.Diagnostics.Metrics;

namespace AllClassifier.Model.Imaging;

/// <summary>
/// How often images are read (header only), decoded in full and hashed in this process: the work each path pays per
/// image, counted in the two homes of that work (<see cref="ImagePreprocessor"/> and <see cref="ImageHash"/>) so
/// that a test or an operator can see when a path starts decoding the same image twice. The API exports them as
/// <c>allclassifier_image_header_reads_total</c>, <c>allclassifier_image_decodes_total{decode}</c> and
/// <c>allclassifier_image_hashes_total</c>.
/// </summary>
public static class ImagingMetrics
{
    public const string MeterName = "AllClassifier.Imaging";
    public const string HeaderReadsName = "allclassifier_image_header_reads";
    public const string DecodesName = "allclassifier_image_decodes";
    public const string HashesName = "allclassifier_image_hashes";

    /// <summary>
    /// Tag of <see cref="DecodesName"/>: <see cref="Checked"/> for an image whose header was checked first,
    /// <see cref="Own"/> for bytes this process encoded itself (a re-compressed copy made by an acquisition shift).
    /// </summary>
    public const string DecodeTag = "decode";
    public const string Checked = "checked";
    public const string Own = "own";

    private static readonly Meter Meter = new(MeterName);

    internal static readonly Counter<long> HeaderReads = Meter.CreateCounter<long>(
        HeaderReadsName, description: "Image headers read to check format and dimensions before any decode.");

    internal static readonly Counter<long> Decodes = Meter.CreateCounter<long>(
        DecodesName, description: "Images decoded in full (pixels), including re-decodes of re-compressed copies.");

    internal static readonly Counter<long> Hashes = Meter.CreateCounter<long>(
        HashesName, description: "SHA-256 content hashes of image bytes.");

    internal static void CountDecode(string kind) => Decodes.Add(1, new KeyValuePair<string, object?>(DecodeTag, kind));
}
