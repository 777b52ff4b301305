using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using AllClassifier.Api.Errors;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Uploads;

public static class UploadExtensions
{
    public static IHostApplicationBuilder AddUploads(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<UploadOptions>()
            .BindConfiguration(UploadOptions.SectionName)
            .Validate(o => o.MaxBodyBytes > 0 && o.MemoryBufferBytes >= 0,
                "Uploads:MaxBodyBytes must be positive and Uploads:MemoryBufferBytes not negative.")
            .ValidateOnStart();
        builder.Services.AddSingleton<MultipartUploadReader>();

        // Kestrel and the form reader enforce the same limit the handlers check, so an oversized body is a 413
        // wherever it is noticed.
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<UploadOptions>>((kestrel, uploads) => kestrel.Limits.MaxRequestBodySize = uploads.Value.MaxBodyBytes);
        builder.Services.AddOptions<FormOptions>()
            .Configure<IOptions<UploadOptions>>((form, uploads) =>
            {
                form.MultipartBodyLengthLimit = uploads.Value.MaxBodyBytes;
                form.MemoryBufferThreshold = uploads.Value.MemoryBufferBytes;
            });
        return builder;
    }

    /// <summary>
    /// The answers every image-upload endpoint can give besides its own: a malformed, oversized, non-image or
    /// undecodable upload, a full queue and the last-line 500, all in the one JSON error shape.
    /// </summary>
    public static RouteHandlerBuilder ProducesUploadErrors(this RouteHandlerBuilder endpoint) => endpoint
        .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
        .Produces<ErrorResponse>(StatusCodes.Status413PayloadTooLarge)
        .Produces<ErrorResponse>(StatusCodes.Status415UnsupportedMediaType)
        .Produces<ErrorResponse>(StatusCodes.Status422UnprocessableEntity)
        .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable)
        .Produces<ErrorResponse>(StatusCodes.Status500InternalServerError);
}
