namespace AllClassifier.Api.Uploads;

/// <summary>Limits on uploaded request bodies (section <c>Uploads</c>).</summary>
public sealed class UploadOptions
{
    public const string SectionName = "Uploads";

    /// <summary>Largest accepted request body; anything larger is answered 413.</summary>
    public long MaxBodyBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Uploads up to this size are buffered in memory rather than in a temporary file.</summary>
    public int MemoryBufferBytes { get; set; } = 1024 * 1024;
}
