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

    public static ApiError ToError(this ImageRejectedException rejection) =>
        new(StatusCode(rejection.Reason), rejection.Message);
}
