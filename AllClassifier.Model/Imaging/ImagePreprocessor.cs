using System.Buffers;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AllClassifier.Model.Imaging;

/// <summary>
/// The single preprocessing path shared by training and serving: validate the header, decode, resize the
/// shorter side to 224 and centre-crop, then lay the pixels out as planar RGB floats in 0..255 — the input
/// layout of the composed ONNX model. Training and serving must use this one implementation: other decoders
/// or resamplers shift the backbone's features measurably.
/// </summary>
public sealed class ImagePreprocessor(ImageLimits limits)
{
    public const int Size = 224;
    public const int TensorLength = 3 * Size * Size;
    public const string Description = "decode (JPEG/PNG/BMP) -> resize shorter side to 224 (bilinear) -> centre crop 224x224 -> planar RGB float 0..255";

    // Only these decoders are registered, so any other format is refused before decoding.
    private static readonly Configuration DecoderConfiguration = new(
        new JpegConfigurationModule(), new PngConfigurationModule(), new BmpConfigurationModule());

    public ImagePreprocessor()
        : this(ImageLimits.Default)
    {
    }

    public ImageLimits Limits { get; } = limits;

    /// <summary>Reads format and dimensions from the header only, and refuses what must not be decoded.</summary>
    public ImageHeader Inspect(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            throw new ImageRejectedException(ImageRejection.Empty, "The file is empty.");
        }

        IImageInfo? info;
        SixLabors.ImageSharp.Formats.IImageFormat? format;
        ImagingMetrics.HeaderReads.Add(1);
        try
        {
            info = Image.Identify(DecoderConfiguration, bytes, out format);
        }
        catch (Exception ex) when (ex is UnknownImageFormatException or NotSupportedException)
        {
            throw new ImageRejectedException(ImageRejection.UnsupportedFormat, "The file is not a JPEG, PNG or BMP image.", ex);
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw new ImageRejectedException(ImageRejection.Corrupt, "The image header is corrupt.", ex);
        }

        if (info is null || format is null)
        {
            throw new ImageRejectedException(ImageRejection.UnsupportedFormat, "The file is not a JPEG, PNG or BMP image.");
        }

        var header = new ImageHeader(format.Name.ToUpperInvariant(), format.DefaultMimeType, info.Width, info.Height);
        if (info.Width > Limits.MaxSide || info.Height > Limits.MaxSide || (long)info.Width * info.Height > Limits.MaxPixels)
        {
            throw new ImageRejectedException(
                ImageRejection.DimensionsTooLarge,
                $"The image claims {info.Width}x{info.Height} pixels; the limit is {Limits.MaxSide} pixels a side and {Limits.MaxPixels:N0} pixels in all.");
        }

        if (info.Width < Limits.MinSide || info.Height < Limits.MinSide)
        {
            throw new ImageRejectedException(
                ImageRejection.DimensionsTooSmall,
                $"The image is {info.Width}x{info.Height} pixels; at least {Limits.MinSide} pixels a side are needed.");
        }

        // Checked after the dimensions, so a decompression bomb is reported as such even without its pixel data.
        if (!ImageCompleteness.IsComplete(bytes, format.Name))
        {
            throw new ImageRejectedException(ImageRejection.Corrupt, $"The {format.Name.ToUpperInvariant()} file is truncated: its end marker is missing.");
        }

        return header;
    }

    /// <summary>Validates, decodes and resizes to the model's 224x224 input.</summary>
    public Image<Rgb24> LoadResized(byte[] bytes)
    {
        Inspect(bytes);
        return DecodeResized(bytes);
    }

    /// <summary>
    /// Decodes and resizes bytes that <see cref="Inspect"/> has already accepted, without reading the header again:
    /// a request inspects its upload once and decodes it once.
    /// </summary>
    public Image<Rgb24> LoadInspected(byte[] inspectedBytes) => DecodeResized(inspectedBytes);

    /// <summary>
    /// Decodes bytes this process encoded itself (a re-compressed copy of a processed image), as they are: no header
    /// checks and no resizing, but the same decoders as every other image, so the pixels are those a reader of the
    /// bytes would get.
    /// </summary>
    public static Image<Rgb24> DecodeOwn(byte[] bytes)
    {
        ImagingMetrics.CountDecode(ImagingMetrics.Own);
        return Image.Load<Rgb24>(DecoderConfiguration, bytes);
    }

    /// <summary>
    /// Decodes bytes that <see cref="Inspect"/> has already accepted, resizes them and writes the model input into
    /// <paramref name="destination"/>: serving's one call from a checked upload to a tensor, without reading the
    /// header again.
    /// </summary>
    public void WriteInspectedTensor(byte[] inspectedBytes, Span<float> destination)
    {
        using var image = DecodeResized(inspectedBytes);
        WriteTensor(image, destination);
    }

    /// <summary>Validates, decodes, resizes and returns the planar RGB tensor (length <see cref="TensorLength"/>).</summary>
    public float[] ToTensor(byte[] bytes)
    {
        Inspect(bytes);
        var tensor = new float[TensorLength];
        WriteInspectedTensor(bytes, tensor);
        return tensor;
    }

    private Image<Rgb24> DecodeResized(byte[] bytes)
    {
        Image<Rgb24> image;
        ImagingMetrics.CountDecode(ImagingMetrics.Checked);
        try
        {
            image = Image.Load<Rgb24>(DecoderConfiguration, bytes);
        }
        catch (Exception ex) when (IsDecoderFailure(ex))
        {
            throw new ImageRejectedException(ImageRejection.Corrupt, "The image data is corrupt or truncated.", ex);
        }

        try
        {
            ResizeInPlace(image);
            return image;
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    /// <summary>Writes an already 224x224 image as planar RGB floats 0..255 (R plane, then G, then B).</summary>
    public static void WriteTensor(Image<Rgb24> image, Span<float> destination)
    {
        if (image.Width != Size || image.Height != Size)
        {
            throw new ArgumentException($"Expected a {Size}x{Size} image, got {image.Width}x{image.Height}.", nameof(image));
        }

        if (destination.Length < TensorLength)
        {
            throw new ArgumentException($"The destination needs {TensorLength} floats.", nameof(destination));
        }

        const int plane = Size * Size;
        var pixels = ArrayPool<Rgb24>.Shared.Rent(plane);
        try
        {
            image.CopyPixelDataTo(pixels.AsSpan(0, plane));
            for (var i = 0; i < plane; i++)
            {
                var pixel = pixels[i];
                destination[i] = pixel.R;
                destination[plane + i] = pixel.G;
                destination[(2 * plane) + i] = pixel.B;
            }
        }
        finally
        {
            ArrayPool<Rgb24>.Shared.Return(pixels);
        }
    }

    // The decoders parse hostile bytes, and ImageSharp 2.1.13 does not confine itself to its documented exceptions:
    // fuzzing found NullReferenceException (JPEG Identify, CopyBlocksToColorBuffer), InvalidOperationException (BMP
    // dimensions over 65535) and DivideByZeroException (BMP palette); the inputs are kept in fuzz/AllClassifier.Fuzz/regressions.
    // So whatever a decoder throws means "not a usable image" — except running out of memory, which stays a server error.
    private static bool IsDecoderFailure(Exception exception) => exception is not OutOfMemoryException;

    private static void ResizeInPlace(Image<Rgb24> image)
    {
        if (image.Width == Size && image.Height == Size)
        {
            return;
        }

        // Shorter side to 224 keeps cell shapes undistorted; the centre crop drops only the longer side's edges.
        image.Mutate(context => context.Resize(new ResizeOptions
        {
            Size = new Size(Size, Size),
            Mode = ResizeMode.Crop,
            Position = AnchorPositionMode.Center,
            Sampler = KnownResamplers.Triangle,
        }));
    }
}

/// <summary>What the header of an accepted image says.</summary>
public sealed record ImageHeader(string Format, string MimeType, int Width, int Height);
