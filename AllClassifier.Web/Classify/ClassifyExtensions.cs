using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AllClassifier.Web.Classify;

public static class ClassifyExtensions
{
    /// <summary>Upload limits, the store that keeps images between prediction and correction, and form limits that
    /// let an oversized upload reach the page (which explains the limit) instead of failing while the form is read.</summary>
    public static IHostApplicationBuilder AddClassification(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<UploadOptions>()
            .BindConfiguration(UploadOptions.SectionName)
            .Validate(options => options.MaxBytes > 0, "Uploads:MaxBytes must be positive.")
            .ValidateOnStart();

        builder.Services.AddDistributedMemoryCache();
        builder.Services.AddOptions<MemoryDistributedCacheOptions>()
            .Configure<IOptions<UploadOptions>>((cache, uploads) => cache.SizeLimit = uploads.Value.RetainedBytesLimit);

        builder.Services.AddOptions<FormOptions>()
            .Configure<IOptions<UploadOptions>>((form, uploads) =>
                form.MultipartBodyLengthLimit = Math.Max(form.MultipartBodyLengthLimit, 2 * uploads.Value.MaxBytes));
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<UploadOptions>>((kestrel, uploads) =>
                kestrel.Limits.MaxRequestBodySize = Math.Max(kestrel.Limits.MaxRequestBodySize ?? 0, 2 * uploads.Value.MaxBytes));

        builder.Services.AddSingleton<ClassificationStore>();
        return builder;
    }
}
