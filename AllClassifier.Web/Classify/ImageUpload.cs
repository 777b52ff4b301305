using AllClassifier.Web.Backend;

namespace AllClassifier.Web.Classify;

/// <summary>Reads one uploaded file into an <see cref="ImageFile"/>, or says in a sentence why it cannot be sent.</summary>
public static class ImageUpload
{
    public static async Task<(ImageFile? Image, string? Problem)> ReadAsync(
        IFormFile? upload, UploadOptions options, CancellationToken cancellationToken)
    {
        if (upload is null)
        {
            return (null, "Choose a JPEG or PNG image to classify.");
        }

        if (upload.Length == 0)
        {
            return (null, "The chosen file is empty. Choose a JPEG or PNG image.");
        }

        if (upload.Length > options.MaxBytes)
        {
            return (null, $"The image is too large ({UploadOptions.FormatSize(upload.Length)}); the limit is {options.MaxSizeText}.");
        }

        using var buffer = new MemoryStream(checked((int)upload.Length));
        await upload.CopyToAsync(buffer, cancellationToken);
        var contentType = string.IsNullOrWhiteSpace(upload.ContentType) ? "application/octet-stream" : upload.ContentType;
        return (new ImageFile(upload.FileName, contentType, buffer.ToArray()), null);
    }
}
