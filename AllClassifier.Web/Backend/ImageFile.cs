namespace AllClassifier.Web.Backend;

/// <summary>An image as the user uploaded it: original name, content type and bytes.</summary>
public sealed record ImageFile(string FileName, string ContentType, byte[] Content);
