using System.Net;
using System.Text;

namespace AllClassifier.Web.Tests.Infrastructure;

/// <summary>A file part of a recorded multipart request.</summary>
public sealed record RecordedFile(string Name, string? FileName, string? ContentType, byte[] Content);

/// <summary>What the backend client sent: method, path, form fields and file parts.</summary>
public sealed record RecordedRequest(
    HttpMethod Method, string Path, IReadOnlyDictionary<string, string> Fields, IReadOnlyList<RecordedFile> Files);

/// <summary>
/// Stands in for the API at the HTTP-message level: records each request the client sends and answers with
/// <paramref name="respond"/>. Lets page-model tests run without sockets.
/// </summary>
public sealed class FakeBackendHandler(Func<RecordedRequest, HttpResponseMessage> respond) : HttpMessageHandler
{
    public List<RecordedRequest> Requests { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var fields = new Dictionary<string, string>();
        var files = new List<RecordedFile>();
        if (request.Content is MultipartFormDataContent multipart)
        {
            foreach (var part in multipart)
            {
                var disposition = part.Headers.ContentDisposition!;
                var name = disposition.Name!.Trim('"');
                if (disposition.FileName is { } fileName)
                {
                    files.Add(new RecordedFile(
                        name, fileName.Trim('"'), part.Headers.ContentType?.MediaType,
                        await part.ReadAsByteArrayAsync(cancellationToken)));
                }
                else
                {
                    fields[name] = await part.ReadAsStringAsync(cancellationToken);
                }
            }
        }

        var recorded = new RecordedRequest(request.Method, request.RequestUri!.AbsolutePath, fields, files);
        Requests.Add(recorded);
        return respond(recorded);
    }

    public static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    /// <summary>An error answer as the API gives it: a stable code and a detail.</summary>
    public static HttpResponseMessage Error(HttpStatusCode status, string code, string detail) =>
        Json(status, $$"""{"detail":"{{detail}}","code":"{{code}}"}""");

    /// <summary>An error answer with a detail but no code, as a server other than the API might give.</summary>
    public static HttpResponseMessage Detail(HttpStatusCode status, string detail) =>
        Json(status, $$"""{"detail":"{{detail}}"}""");

    public static FakeBackendHandler Answering(HttpStatusCode status, string json) => new(_ => Json(status, json));

    public static FakeBackendHandler Unreachable() =>
        new(_ => throw new HttpRequestException("Connection refused (127.0.0.1:9)", new System.Net.Sockets.SocketException(111)));
}
