namespace AllClassifier.Api.Uploads;

/// <summary>A multipart upload: the bytes of its <c>file</c> part and its non-empty text fields.</summary>
public sealed record ImageUpload(byte[] File, string? FileName, IReadOnlyDictionary<string, string> Fields);
