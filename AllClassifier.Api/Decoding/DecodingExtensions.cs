using AllClassifier.Model.Imaging;
using Microsoft.Extensions.Options;

namespace AllClassifier.Api.Decoding;

public static class DecodingExtensions
{
    /// <summary>The image limits and the decode gate shared by every endpoint that decodes an upload.</summary>
    public static IHostApplicationBuilder AddDecoding(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DecodingOptions>()
            .BindConfiguration(DecodingOptions.SectionName)
            .Validate(o => o.MaxPixels > 0 && o.MaxSide > 0 && o.MaxQueuedMegapixels >= 0, "MaxPixels and MaxSide must be positive, MaxQueuedMegapixels not negative.")
            .Validate(o => o.AdmitsLargestImage, "MaxDecodingMegapixels must admit at least one image of MaxPixels.")
            .ValidateOnStart();
        builder.Services.AddSingleton(services => new ImagePreprocessor(services.GetRequiredService<IOptions<DecodingOptions>>().Value.ToLimits()));
        builder.Services.AddSingleton<DecodeGate>();
        builder.Services.AddSingleton<GatedImageDecoder>();
        return builder;
    }
}
