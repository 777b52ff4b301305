using AllClassifier.Api.Errors;
using AllClassifier.Api.Uploads;
using AllClassifier.Model.Imaging;
using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AllClassifier.Api.Decoding;

/// <summary>Header checks outside the gate, full decodes inside it: the only way an endpoint decodes an upload.</summary>
public sealed class GatedImageDecoder(ImagePreprocessor preprocessor, DecodeGate gate, IOptions<DecodingOptions> options)
{
    /// <summary>Reads the header; refuses what must not be decoded before anything waits or allocates.</summary>
    public (ImageHeader? Header, ApiError? Error) Inspect(byte[] bytes)
    {
        try
        {
            return (preprocessor.Inspect(bytes), null);
        }
        catch (ImageRejectedException rejection)
        {
            return (null, rejection.ToError());
        }
    }

    /// <summary>
    /// Decodes and resizes bytes <see cref="Inspect"/> accepted to the model's input once the pixel budget has room, or
    /// answers why not; the header is not read again.
    /// </summary>
    public async Task<(Image<Rgb24>? Image, ApiError? Error)> DecodeResizedAsync(byte[] bytes, ImageHeader header, CancellationToken cancellationToken)
    {
        using var slot = await gate.EnterAsync(header, cancellationToken);
        if (!slot.IsAcquired)
        {
            return (null, ApiError.Busy(options.Value.BusyRetryAfterSeconds));
        }

        try
        {
            return (preprocessor.LoadInspected(bytes), null);
        }
        catch (ImageRejectedException rejection)
        {
            return (null, rejection.ToError());
        }
    }
}
