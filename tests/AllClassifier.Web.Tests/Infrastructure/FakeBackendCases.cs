using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AllClassifier.Web.Tests.Infrastructure;

/// <summary>
/// The fake API's cases, review queue and agreement, in memory, with the API's rules: one open case per accession,
/// signed cases refuse changes, sign-off waits for every review. An image whose file name contains "blurry" is
/// referred as out of focus; the class of any other image follows its bytes, so tests can predict it.
/// </summary>
public sealed partial class FakeBackendServer
{
    private static readonly string[] Classes = ["Benign", "Early", "Pre", "Pro"];

    private readonly Lock casesLock = new();
    private readonly List<FakeCase> cases = [];

    /// <summary>The reviews the fake stored, in order: case id, prediction id, decision, reviewer.</summary>
    public ConcurrentList<(string CaseId, string PredictionId, string Decision, string? Reviewer)> Reviews { get; } = new();

    public sealed class ConcurrentList<T>
    {
        private readonly Lock gate = new();
        private readonly List<T> items = [];

        public void Add(T item)
        {
            lock (gate)
            {
                items.Add(item);
            }
        }

        public IReadOnlyList<T> Snapshot()
        {
            lock (gate)
            {
                return [.. items];
            }
        }
    }

    /// <summary>The class the fake predicts for <paramref name="bytes"/> (not referred).</summary>
    public static string PredictedClassOf(byte[] bytes) => Classes[bytes.Sum(b => b) % 4];

    private sealed class FakeCase
    {
        public required string Id { get; init; }
        public required string Accession { get; init; }
        public required DateTimeOffset CreatedAt { get; init; }
        public string? CreatedBy { get; init; }
        public string Status { get; set; } = "open";
        public DateTimeOffset? SignedAt { get; set; }
        public string? SignedBy { get; set; }
        public List<FakeImage> Images { get; } = [];
    }

    private sealed class FakeImage
    {
        public required string PredictionId { get; init; }
        public required string FileName { get; init; }
        public required byte[] Bytes { get; init; }
        public required string ContentType { get; init; }
        public required DateTimeOffset UploadedAt { get; init; }
        public string? UploadedBy { get; init; }
        public required int PredictedClass { get; init; }
        public required bool Refer { get; init; }
        public (string Decision, string? Reviewer, DateTimeOffset At)? Review { get; set; }
    }

    private void MapCases()
    {
        app.MapPost("/cases", async (HttpRequest request) =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body);
            var accession = body.RootElement.TryGetProperty("accession", out var value) ? value.GetString() : null;
            if (accession is null || accession.Length is 0 or > 64)
            {
                return Error(422, "invalid_accession", "the accession must be 1 to 64 characters");
            }

            lock (casesLock)
            {
                if (cases.Any(c => c.Accession == accession && c.Status == "open"))
                {
                    return Error(409, "case_exists", $"an open case for {accession} exists");
                }

                var created = new FakeCase
                {
                    Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
                    Accession = accession,
                    CreatedAt = DateTimeOffset.UtcNow,
                    CreatedBy = Actor(request),
                };
                cases.Add(created);
                return Results.Json(CaseJson(created), statusCode: 201);
            }
        });
        app.MapGet("/cases", (string? status) =>
        {
            lock (casesLock)
            {
                var listed = cases.Where(c => (status ?? "open") == "all" || c.Status == (status ?? "open"))
                    .OrderByDescending(c => c.CreatedAt).Select(SummaryJson).ToList();
                return Results.Json(new { cases = listed });
            }
        });
        app.MapGet("/cases/{caseId}", (string caseId) => WithCase(caseId, found => Results.Json(CaseJson(found))));
        app.MapPost("/cases/{caseId}/images", async (string caseId, HttpRequest request) =>
        {
            var file = request.Form.Files.GetFile("file");
            if (file is null)
            {
                return Error(422, "missing_field", "the form has no part named 'file'");
            }

            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer);
            var bytes = buffer.ToArray();
            var isImage = bytes.Length >= 3 && ((bytes[0] == 0xFF && bytes[1] == 0xD8) || (bytes[0] == 0x89 && bytes[1] == (byte)'P'));
            return WithCase(caseId, found =>
            {
                if (found.Status == "signed")
                {
                    return Error(409, "case_signed", "the case is signed");
                }

                if (!isImage)
                {
                    return Error(415, "unsupported_format", "the file is not a JPEG, PNG or BMP image");
                }

                var image = new FakeImage
                {
                    PredictionId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
                    FileName = file.FileName,
                    Bytes = bytes,
                    ContentType = file.ContentType,
                    UploadedAt = DateTimeOffset.UtcNow,
                    UploadedBy = Actor(request),
                    PredictedClass = Array.IndexOf(Classes, PredictedClassOf(bytes)),
                    Refer = file.FileName.Contains("blurry", StringComparison.OrdinalIgnoreCase),
                };
                found.Images.Add(image);
                return Results.Json(ImageJson(image), statusCode: 201);
            });
        });
        app.MapGet("/cases/{caseId}/images/{predictionId}/image", (string caseId, string predictionId) =>
            WithImage(caseId, predictionId, (_, image) => Results.File(image.Bytes, image.ContentType)));
        app.MapGet("/cases/{caseId}/images/{predictionId}/heatmap", (string caseId, string predictionId) =>
            WithImage(caseId, predictionId, (_, _) => Results.File(ApiSamples.TinyPng, "image/png")));
        app.MapPost("/cases/{caseId}/images/{predictionId}/review", async (string caseId, string predictionId, HttpRequest request) =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body);
            var decision = body.RootElement.TryGetProperty("decision", out var value) ? value.GetString() : null;
            return WithImage(caseId, predictionId, (found, image) =>
            {
                if (found.Status == "signed")
                {
                    return Error(409, "case_signed", "the case is signed");
                }

                if (decision is null || !(Classes.Contains(decision) || decision == "NotAssessable"))
                {
                    return Error(422, "unknown_label", "decision must be one of Benign, Early, Pre, Pro, NotAssessable");
                }

                image.Review = (decision, Actor(request), DateTimeOffset.UtcNow);
                Reviews.Add((caseId, predictionId, decision, Actor(request)));
                return Results.Json(ImageJson(image));
            });
        });
        app.MapPost("/cases/{caseId}/signoff", (string caseId, HttpRequest request) => WithCase(caseId, found =>
        {
            if (found.Status == "signed")
            {
                return Error(409, "case_signed", "the case is already signed");
            }

            if (found.Images.Count == 0)
            {
                return Error(409, "case_empty", "the case has no images");
            }

            var unreviewed = found.Images.Count(i => i.Review is null);
            if (unreviewed > 0)
            {
                return Error(409, "case_unreviewed", $"{unreviewed} images have no review");
            }

            found.Status = "signed";
            found.SignedAt = DateTimeOffset.UtcNow;
            found.SignedBy = Actor(request);
            return Results.Json(CaseJson(found));
        }));
        app.MapGet("/review/queue", (int? limit) =>
        {
            lock (casesLock)
            {
                var items = cases.Where(c => c.Status == "open")
                    .SelectMany(c => c.Images.Where(i => i.Review is null).Select(i => (Case: c, Image: i)))
                    .OrderByDescending(x => x.Image.Refer).ThenBy(x => Probabilities(x.Image).Max())
                    .Take(limit ?? 50)
                    .Select(x => QueueJson(x.Case, x.Image)).ToList();
                return Results.Json(new { items });
            }
        });
        app.MapGet("/model/agreement", () =>
        {
            lock (casesLock)
            {
                var reviewed = cases.SelectMany(c => c.Images).Where(i => i.Review is { Decision: not "NotAssessable" }).ToList();
                var perClass = Classes.Select(name =>
                {
                    var ofClass = reviewed.Where(i => Classes[i.PredictedClass] == name).ToList();
                    var agreed = ofClass.Count(i => i.Review!.Value.Decision == name);
                    return new { class_name = name, reviewed = ofClass.Count, agreed, agreement = ofClass.Count == 0 ? (double?)null : (double)agreed / ofClass.Count };
                }).ToList();
                var total = reviewed.Count;
                var agreedAll = reviewed.Count(i => i.Review!.Value.Decision == Classes[i.PredictedClass]);
                return Results.Json(new
                {
                    versions = new object[]
                    {
                        new { model_version = 3, reviewed = total, agreement = total == 0 ? (double?)null : (double)agreedAll / total, kappa = total == 0 ? (double?)null : 0.62, per_class = perClass },
                        new { model_version = 2, reviewed = 40, agreement = 0.9, kappa = 0.86, per_class = Array.Empty<object>() },
                    },
                });
            }
        });
    }

    private static IResult Error(int status, string code, string detail) =>
        Results.Json(new { detail, code }, statusCode: status);

    private static string? Actor(HttpRequest request) =>
        request.Headers.TryGetValue("X-Acting-User", out var name) ? "web:" + name : "web";

    private IResult WithCase(string caseId, Func<FakeCase, IResult> act)
    {
        lock (casesLock)
        {
            return cases.FirstOrDefault(c => c.Id == caseId) is { } found
                ? act(found)
                : Error(404, "unknown_case", $"no case {caseId}");
        }
    }

    private IResult WithImage(string caseId, string predictionId, Func<FakeCase, FakeImage, IResult> act) => WithCase(caseId, found =>
        found.Images.FirstOrDefault(i => i.PredictionId == predictionId) is { } image
            ? act(found, image)
            : Error(404, "unknown_prediction", $"no image {predictionId} in case {caseId}"));

    private static double[] Probabilities(FakeImage image)
    {
        // The top class gets 0.55 to 0.9 depending on the bytes, so the queue has an order to check.
        var top = 0.55 + (image.Bytes.Length % 8) * 0.05;
        var rest = (1 - top) / 3;
        return [.. Enumerable.Range(0, 4).Select(i => i == image.PredictedClass ? top : rest)];
    }

    private static Dictionary<string, object?> ImageJson(FakeImage image) => new()
    {
        ["prediction_id"] = image.PredictionId,
        ["file_name"] = image.FileName,
        ["uploaded_at"] = image.UploadedAt.ToString("O", CultureInfo.InvariantCulture),
        ["uploaded_by"] = image.UploadedBy,
        ["probabilities"] = Probabilities(image),
        ["predicted_class"] = image.PredictedClass,
        ["class_name"] = Classes[image.PredictedClass],
        ["model_version"] = 3,
        ["refer"] = image.Refer,
        ["refer_reasons"] = image.Refer ? new[] { "out_of_focus" } : [],
        ["ood_score"] = image.Refer ? 40.5 : 2.5,
        ["review"] = image.Review is { } review
            ? new { decision = review.Decision, reviewer = review.Reviewer, reviewed_at = review.At.ToString("O", CultureInfo.InvariantCulture) }
            : null,
    };

    private static Dictionary<string, object?> QueueJson(FakeCase found, FakeImage image)
    {
        var json = ImageJson(image);
        json["case_id"] = found.Id;
        json["accession"] = found.Accession;
        return json;
    }

    private static Dictionary<string, object?> SummaryJson(FakeCase found) => new()
    {
        ["case_id"] = found.Id,
        ["accession"] = found.Accession,
        ["status"] = found.Status,
        ["created_at"] = found.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
        ["created_by"] = found.CreatedBy,
        ["images"] = found.Images.Count,
        ["reviewed"] = found.Images.Count(i => i.Review is not null),
        ["referred"] = found.Images.Count(i => i.Refer),
        ["signed_at"] = found.SignedAt?.ToString("O", CultureInfo.InvariantCulture),
        ["signed_by"] = found.SignedBy,
    };

    private static Dictionary<string, object?> CaseJson(FakeCase found)
    {
        var json = SummaryJson(found);
        var decisions = found.Images.Select(i => i.Review?.Decision ?? Classes[i.PredictedClass]).ToList();
        var accepted = decisions.Where(d => d != "NotAssessable").ToList();
        json["model_versions"] = found.Images.Count == 0 ? Array.Empty<int>() : new[] { 3 };
        json["summary"] = new
        {
            per_class = Classes.Select(name => new
            {
                class_name = name,
                count = accepted.Count(d => d == name),
                share = accepted.Count == 0 ? 0 : (double)accepted.Count(d => d == name) / accepted.Count,
            }),
            accepted = accepted.Count,
            referred = found.Images.Count(i => i.Refer),
            not_assessable = decisions.Count - accepted.Count,
        };
        json["images"] = found.Images.Select(ImageJson).ToList();
        return json;
    }
}
