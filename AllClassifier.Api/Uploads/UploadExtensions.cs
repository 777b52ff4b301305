using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Uploads;

public static class UploadExtensions
{
    public static IHostApplicationBuilder AddUploads(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<UploadOptions>().Bind(builder.Configuration.GetSection(UploadOptions.SectionName));
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
}
