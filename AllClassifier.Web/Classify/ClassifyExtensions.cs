using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace AllClassifier.Web.Classify;

public static class ClassifyExtensions
{
    /// <summary>Upload limits, the store that keeps images between prediction and correction, and the form limit.</summary>
    public static IHostApplicationBuilder AddClassification(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<UploadOptions>()
            .BindConfiguration(UploadOptions.SectionName)
            .Validate(options => options.MaxBytes > 0 && options.RetainedBytesLimit > options.MaxBytes,
                "Uploads:MaxBytes must be positive and Uploads:RetainedBytesLimit larger than it.")
            .ValidateOnStart();

        // No size limit on the cache itself: it would refuse new entries when full; the store evicts the oldest instead.
        builder.Services.AddDistributedMemoryCache();

        builder.Services.AddOptions<FormOptions>()
            .Configure<IOptions<UploadOptions>>((form, uploads) => form.MultipartBodyLengthLimit = uploads.Value.FormBytesLimit);
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<UploadOptions>>((kestrel, uploads) =>
                kestrel.Limits.MaxRequestBodySize = Math.Max(kestrel.Limits.MaxRequestBodySize ?? 0, uploads.Value.FormBytesLimit));

        builder.Services.AddSingleton<ClassificationStore>();
        return builder;
    }

    /// <summary>
    /// Answers 413 before anything reads a form whose declared length is beyond <see cref="UploadOptions.FormBytesLimit"/>,
    /// so the status page can explain the limit (otherwise the antiforgery check fails first, as a bare 400). Proxied
    /// API calls are left to the API, which answers in JSON.
    /// </summary>
    public static IApplicationBuilder UseUploadLimit(this IApplicationBuilder app)
    {
        var limit = app.ApplicationServices.GetRequiredService<IOptions<UploadOptions>>().Value.FormBytesLimit;
        return app.Use(async (context, next) =>
        {
            if (context.Request.ContentLength > limit
                && !context.Request.Path.StartsWithSegments(Proxy.BackendProxyExtensions.RoutePrefix)
                && context.Features.Get<IStatusCodeReExecuteFeature>() is null)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return;
            }

            await next(context);
        });
    }
}
