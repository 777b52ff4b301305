using System.Net.Http.Headers;

namespace AllClassifier.Api.Tests.Infrastructure;

/// <summary>Multipart bodies as the original client built them.</summary>
public static class Forms
{
    public static MultipartFormDataContent Image(byte[] bytes, string fileName = "smear.jpg", string contentType = "image/jpeg")
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return new MultipartFormDataContent { { file, "file", fileName } };
    }

    public static MultipartFormDataContent Feedback(string? correct, string? predicted, byte[]? image, string fileName = "smear.jpg", string contentType = "image/jpeg")
    {
        var form = image is null ? new MultipartFormDataContent() : Image(image, fileName, contentType);
        if (correct is not null)
        {
            form.Add(new StringContent(correct), "correct_label");
        }

        if (predicted is not null)
        {
            form.Add(new StringContent(predicted), "predicted_label");
        }

        return form;
    }
}
