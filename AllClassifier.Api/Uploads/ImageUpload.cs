using AllClassifier.Model.Imaging;

namespace AllClassifier.Api.Uploads;

/// <summary>A multipart upload: the bytes of its <c>file</c> part and its non-empty text fields.</summary>
public sealed record ImageUpload(byte[] File, string? FileName, IReadOnlyDictionary<string, string> Fields)
{
    private string? _sha256;

    /// <summary>
    /// The file's content hash, computed on first use and kept, so the prediction record, the feedback row and the
    /// case image of one request share one hash of the bytes.
    /// </summary>
    public string Sha256 => _sha256 ??= ImageHash.Sha256(File);
}
