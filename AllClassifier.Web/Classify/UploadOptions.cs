namespace AllClassifier.Web.Classify;

/// <summary>Limits on uploaded images and how long one is kept for the correction that may follow its prediction.</summary>
public sealed class UploadOptions
{
    public const string SectionName = "Uploads";

    /// <summary>The largest image accepted; the same default as the API's body limit (10 MB).</summary>
    public long MaxBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>How long after its last use a classified image stays available for a correction.</summary>
    public TimeSpan RetainFor { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The memory all retained images may take together; the oldest are dropped beyond it.</summary>
    public long RetainedBytesLimit { get; set; } = 256 * 1024 * 1024;

    /// <summary>
    /// The largest form read at all: twice the image limit, so a moderately oversized image still reaches the page,
    /// which names the limit; anything bigger is refused while the form is read and the error page explains it.
    /// </summary>
    public long FormBytesLimit => 2 * MaxBytes + 64 * 1024;

    public string MaxSizeText => FormatSize(MaxBytes);

    public static string FormatSize(long bytes) => bytes switch
    {
        >= 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.#} MB",
        >= 1024 => $"{bytes / 1024.0:0.#} KB",
        _ => $"{bytes} bytes",
    };
}
