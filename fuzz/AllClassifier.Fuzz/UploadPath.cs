using AllClassifier.Api.Uploads;
using AllClassifier.Model.Imaging;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace AllClassifier.Fuzz;

/// <summary>
/// The API's upload path for one raw request body: multipart parsing (the API's reader over ASP.NET Core's form
/// parser), format sniffing and header inspection, full decode and the model's input tensor. Refusals the API
/// answers with a 4xx are outcomes; any other exception escapes and is a finding.
/// </summary>
public sealed class UploadPath
{
    public const string Boundary = "allclassifier-fuzz-boundary";

    private readonly MultipartUploadReader _reader = new(Options.Create(new UploadOptions()));
    private readonly ImagePreprocessor _preprocessor = new();
    private readonly float[] _tensor = new float[ImagePreprocessor.TensorLength];

    /// <summary>What the API would do with the body: <c>accepted</c>, or the status and reason of its refusal.</summary>
    public string Run(byte[] body)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Post;
        context.Request.ContentType = $"multipart/form-data; boundary={Boundary}";
        context.Request.ContentLength = body.Length;
        context.Request.Body = new MemoryStream(body, writable: false);

        var (upload, error) = _reader.ReadAsync(context.Request, [], CancellationToken.None).GetAwaiter().GetResult();
        if (error is not null)
        {
            return $"{error.StatusCode} {error.Detail}";
        }

        try
        {
            _preprocessor.Inspect(upload!.File);
            using var image = _preprocessor.LoadResized(upload.File);
            ImagePreprocessor.WriteTensor(image, _tensor);
            return "accepted";
        }
        catch (ImageRejectedException rejection)
        {
            return $"rejected {rejection.Reason}";
        }
    }

    /// <summary>A well-formed multipart body carrying <paramref name="file"/> as the <c>file</c> part.</summary>
    public static byte[] Body(byte[] file, string fileName, string contentType)
    {
        using var body = new MemoryStream();
        body.Write(System.Text.Encoding.ASCII.GetBytes(
            $"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{fileName}\"\r\nContent-Type: {contentType}\r\n\r\n"));
        body.Write(file);
        body.Write(System.Text.Encoding.ASCII.GetBytes($"\r\n--{Boundary}--\r\n"));
        return body.ToArray();
    }
}
