using AllClassifier.Api.Errors;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Uploads;

/// <summary>
/// Reads <c>multipart/form-data</c> inside the handler rather than through parameter binding, so that every
/// malformed, missing or oversized input becomes a documented JSON error instead of the framework's defaults.
/// </summary>
public sealed class MultipartUploadReader(IOptions<UploadOptions> options)
{
    public const string FilePart = "file";

    public async Task<(ImageUpload? Upload, ApiError? Error)> ReadAsync(
        HttpRequest request, IReadOnlyList<string> requiredFields, CancellationToken cancellationToken)
    {
        var (form, formError) = await ReadFormAsync(request, cancellationToken);
        if (formError is not null)
        {
            return (null, formError);
        }

        var limit = options.Value.MaxBodyBytes;
        var missing = requiredFields.Where(name => string.IsNullOrWhiteSpace(form![name])).ToList();
        var file = form!.Files.GetFile(FilePart);
        if (file is null)
        {
            missing.Add(FilePart);
        }

        if (missing.Count > 0)
        {
            return (null, Missing(missing, "the form is incomplete"));
        }

        if (file!.Length > limit)
        {
            return (null, TooLarge(limit));
        }

        var bytes = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
        {
            await stream.ReadExactlyAsync(bytes, cancellationToken);
        }

        // Every text field that has a value, so handlers can read optional fields beside the required ones.
        var fields = form.Keys
            .Where(name => !string.IsNullOrWhiteSpace(form[name]))
            .ToDictionary(name => name, name => form[name].ToString().Trim(), StringComparer.Ordinal);
        return (new ImageUpload(bytes, file.FileName, fields), null);
    }

    /// <summary>
    /// The multipart form, within the upload limit; ASP.NET keeps it, so a later <see cref="ReadAsync"/> of the same
    /// request reads no byte twice.
    /// </summary>
    public async Task<(IFormCollection? Form, ApiError? Error)> ReadFormAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxBodyBytes;
        if (request.ContentLength > limit)
        {
            return (null, TooLarge(limit));
        }

        if (!request.HasFormContentType)
        {
            return (null, new ApiError(StatusCodes.Status415UnsupportedMediaType, ErrorCodes.NotMultipart, "the request body must be multipart/form-data"));
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        try
        {
            return (await request.ReadFormAsync(cancellationToken), null);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(limit));
        }
        catch (InvalidDataException ex) when (ex.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            return (null, TooLarge(limit));
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or BadHttpRequestException)
        {
            return (null, new ApiError(StatusCodes.Status400BadRequest, ErrorCodes.MalformedRequest, $"the multipart body is malformed: {ex.Message}"));
        }
    }

    private static ApiError TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, ErrorCodes.ImageTooLarge, $"the request body is larger than the limit of {limit:N0} bytes");

    private static ApiError Missing(IEnumerable<string> names, string reason) =>
        new(StatusCodes.Status422UnprocessableEntity, ErrorCodes.MissingField, $"{reason}: missing {string.Join(", ", names.Select(n => $"'{n}'"))}");
}
