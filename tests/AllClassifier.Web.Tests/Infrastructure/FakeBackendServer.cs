using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AllClassifier.Web.Tests.Infrastructure;

/// <summary>One request as the fake API saw it on the wire.</summary>
public sealed record WireRequest(string Method, string Path, string? ContentType, long BodyLength, IReadOnlyDictionary<string, string> Fields)
{
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// A small HTTP server on 127.0.0.1 that answers like the API (predict, feedback, count, model) and records every
/// request, so the proxy and page flows can be checked on real sockets.
/// </summary>
public sealed partial class FakeBackendServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private int feedbackCount;
    private string modelCard = ApiSamples.ModelCard;

    private FakeBackendServer(WebApplication app) => this.app = app;

    public ConcurrentQueue<WireRequest> Requests { get; } = new();

    public Uri Address { get; private set; } = null!;

    public int FeedbackCount => feedbackCount;

    /// <summary>What <c>DELETE /feedback/{id}</c> answers as <c>erased</c> (false: a reader kept the bytes in the files).</summary>
    public bool Erased { get; set; } = true;

    /// <summary>Paths that answer with an error status, <c>code</c> (none when null) and <c>detail</c> instead of their normal answer.</summary>
    public ConcurrentDictionary<string, (int Status, string? Code, string Detail)> Failures { get; } = new();

    public int CountRequests(string path) => Requests.Count(r => r.Path == path);

    public static async Task<FakeBackendServer> StartAsync(int initialFeedbackCount = 0, string modelCard = ApiSamples.ModelCard)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeBackendServer(app) { feedbackCount = initialFeedbackCount, modelCard = modelCard };
        server.Map();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.Address = new Uri(address);
        return server;
    }

    private void Map()
    {
        app.Use(async (context, next) =>
        {
            context.Request.EnableBuffering();
            var length = 0L;
            var buffer = new byte[8192];
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
            {
                length += read;
            }

            context.Request.Body.Position = 0;
            var fields = new Dictionary<string, string>();
            if (context.Request.HasFormContentType)
            {
                var form = await context.Request.ReadFormAsync();
                foreach (var (key, value) in form)
                {
                    fields[key] = value.ToString();
                }
            }

            Requests.Enqueue(new WireRequest(context.Request.Method, context.Request.Path, context.Request.ContentType, length, fields)
            {
                Headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            });
            if (Failures.TryGetValue(context.Request.Path, out var failure))
            {
                context.Response.Headers.RetryAfter = "1";
                object body = failure.Code is null ? new { detail = failure.Detail } : new { detail = failure.Detail, code = failure.Code };
                await Results.Json(body, statusCode: failure.Status).ExecuteAsync(context);
                return;
            }

            await next(context);
        });

        app.MapPost("/predict", async (HttpRequest request) =>
        {
            var file = request.Form.Files.GetFile("file");
            if (file is null)
            {
                return Results.Json(new { detail = "the form has no part named 'file'", code = "missing_field" }, statusCode: 422);
            }

            var header = new byte[4];
            await using var stream = file.OpenReadStream();
            var read = await stream.ReadAsync(header);
            var isImage = read >= 3 && ((header[0] == 0xFF && header[1] == 0xD8) || (header[0] == 0x89 && header[1] == (byte)'P'));
            // A file named "blurry..." is referred, as the API's gate would refer an out-of-focus field.
            var referred = file.FileName.Contains("blurry", StringComparison.OrdinalIgnoreCase);
            return isImage
                ? Results.Text(
                    referred ? ApiSamples.PredictionReferred
                    : request.Query["explain"] == "true" ? ApiSamples.PredictionPreExplained : ApiSamples.PredictionPre,
                    "application/json")
                : Results.Json(new { detail = "the file is not a JPEG, PNG or BMP image", code = "unsupported_format" }, statusCode: 415);
        });
        app.MapPost("/feedback", () => Results.Json(new { stored = true, feedback_count = Interlocked.Increment(ref feedbackCount) }));
        // As after a retraining that used the first row: one row fewer is pending than stored.
        app.MapGet("/feedback/count", () => Results.Json(new
        {
            feedback_count = feedbackCount,
            pending_since_training = Math.Max(0, feedbackCount - 1),
            threshold = 7,
            trained_up_to = 1,
        }));
        app.MapGet("/feedback/rows", () => Results.Json(new
        {
            rows = new[] { new { id = 3, ts = 1767225600.0, correct = "Pre", predicted = "Pro", model_version = 1, sent_by = "web:reviewer1" } },
        }));
        app.MapDelete("/feedback/{id:long}", (long id) => Results.Json(new { deleted = true, feedback_count = Interlocked.Decrement(ref feedbackCount), erased = Erased }));
        app.MapGet("/model", () => Results.Text(modelCard, "application/json"));
        app.MapGet("/model/versions", () => Results.Json(new
        {
            versions = new[]
            {
                new { version = 2, created = "2026-01-16T09:30:00Z", accuracy = 0.7, macro_f1 = 0.68, parent_version = (int?)1, champion = false },
                new { version = 1, created = "2026-01-15T09:30:00Z", accuracy = 0.75, macro_f1 = 0.72, parent_version = (int?)null, champion = true },
            },
        }));
        app.MapPost("/model/versions/{version:int}/promote", (int version) => Results.Json(new { champion = version, previous = 1 }));
        app.MapGet("/model/confusion-matrix.png", () => Results.File(ApiSamples.TinyPng, "image/png"));
        MapCases();
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
