using AllClassifier.Api.Errors;
using AllClassifier.Model.Imaging;

namespace AllClassifier.Api.Uploads;

/// <summary>How each reason for refusing an image is answered; the OpenAPI document describes the same codes.</summary>
public static class ImageRejections
{
    public static int StatusCode(ImageRejection reason) => reason switch
    {
        ImageRejection.UnsupportedFormat => StatusCodes.Status415UnsupportedMediaType,
        _ => StatusCodes.Status422UnprocessableEntity,
    };

    public static string Code(ImageRejection reason) => reason switch
    {
        ImageRejection.Empty => ErrorCodes.EmptyImage,
        ImageRejection.UnsupportedFormat => ErrorCodes.UnsupportedFormat,
        ImageRejection.Corrupt => ErrorCodes.CorruptImage,
        ImageRejection.DimensionsTooLarge => ErrorCodes.DimensionsTooLarge,
        ImageRejection.DimensionsTooSmall => ErrorCodes.DimensionsTooSmall,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    public static ApiError ToError(this ImageRejectedException rejection) =>
        new(StatusCode(rejection.Reason), Code(rejection.Reason), rejection.Message);
}
