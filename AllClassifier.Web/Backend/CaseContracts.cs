using System.Text.Json.Serialization;

namespace AllClassifier.Web.Backend;

/// <summary>A case as <c>GET /cases</c> lists it: one sample (an accession or slide identifier) and its progress.</summary>
public record CaseSummary(
    string CaseId,
    string Accession,
    string Status,
    DateTimeOffset CreatedAt,
    string? CreatedBy,
    int Images,
    int Reviewed,
    int Referred,
    DateTimeOffset? SignedAt,
    string? SignedBy)
{
    public const string Open = "open";
    public const string Signed = "signed";

    [JsonIgnore]
    public bool IsSigned => string.Equals(Status, Signed, StringComparison.Ordinal);

    [JsonIgnore]
    public int Unreviewed => Math.Max(0, Images - Reviewed);
}

/// <summary>The answer of <c>GET /cases</c>.</summary>
public sealed record CaseList(IReadOnlyList<CaseSummary> Cases);

/// <summary>
/// A case with its images and summary (<c>GET /cases/{caseId}</c>): the fields of <see cref="CaseSummary"/>, except
/// that <c>images</c> is the list itself. The summary counts each image's final decision (the review, else the
/// prediction) over the accepted images, those not judged "Not assessable".
/// </summary>
public sealed record CaseDetail(
    string CaseId,
    string Accession,
    string Status,
    DateTimeOffset CreatedAt,
    string? CreatedBy,
    IReadOnlyList<CaseImage>? Images,
    DateTimeOffset? SignedAt,
    string? SignedBy,
    IReadOnlyList<int>? ModelVersions,
    CaseClassSummary? Summary)
{
    [JsonIgnore]
    public bool IsSigned => string.Equals(Status, CaseSummary.Signed, StringComparison.Ordinal);

    [JsonIgnore]
    public IReadOnlyList<CaseImage> ImageItems => Images ?? [];

    /// <summary>Images that still need a decision before sign-off.</summary>
    [JsonIgnore]
    public int UnreviewedImages => ImageItems.Count(image => image.Review is null);

    /// <summary>Referred images without a decision: sign-off waits for a person to look at each.</summary>
    [JsonIgnore]
    public int UndecidedReferrals => ImageItems.Count(image => image.Refer && image.Review is null);

    [JsonIgnore]
    public int ReferredImages => ImageItems.Count(image => image.Refer);

    /// <summary>The people who reviewed the images, in the order they first did.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Reviewers =>
        [.. ImageItems.Where(image => image.Review?.Reviewer is not null).OrderBy(image => image.Review!.ReviewedAt)
            .Select(image => image.Review!.Reviewer!).Distinct(StringComparer.Ordinal)];
}

/// <summary>The case summary: counts and shares per class over the accepted images.</summary>
public sealed record CaseClassSummary(IReadOnlyList<CaseClassCount> PerClass, int Accepted, int Referred, int NotAssessable);

public sealed record CaseClassCount(string ClassName, int Count, double Share);

/// <summary>One image of a case with the prediction made for it and its review, if any.</summary>
public record CaseImage(
    string PredictionId,
    string FileName,
    DateTimeOffset UploadedAt,
    string? UploadedBy,
    IReadOnlyList<double> Probabilities,
    int PredictedClass,
    string? ClassName,
    int? ModelVersion,
    bool Refer,
    IReadOnlyList<string>? ReferReasons,
    double? OodScore,
    CaseReview? Review)
{
    [JsonIgnore]
    public string PredictedName => ClassName ?? ClassLabels.Name(PredictedClass);

    [JsonIgnore]
    public double Confidence => PredictedClass >= 0 && PredictedClass < Probabilities.Count ? Probabilities[PredictedClass] : 0;

    /// <summary>The decision that counts: the reviewer's, else the model's class (never for a referred image).</summary>
    [JsonIgnore]
    public string? FinalDecision => Review?.Decision ?? (Refer ? null : PredictedName);

    /// <summary>Whether the reviewer agreed with the model's class.</summary>
    [JsonIgnore]
    public bool Confirmed => Review is { } review && !Refer && string.Equals(review.Decision, PredictedName, StringComparison.OrdinalIgnoreCase);
}

/// <summary>A person's decision on an image: one of the four classes or <see cref="ClassLabels.NotAssessable"/>.</summary>
public sealed record CaseReview(string Decision, string? Reviewer, DateTimeOffset ReviewedAt);

/// <summary>An unreviewed image of an open case as <c>GET /review/queue</c> lists it.</summary>
public sealed record QueueItem(
    string PredictionId,
    string FileName,
    DateTimeOffset UploadedAt,
    string? UploadedBy,
    IReadOnlyList<double> Probabilities,
    int PredictedClass,
    string? ClassName,
    int? ModelVersion,
    bool Refer,
    IReadOnlyList<string>? ReferReasons,
    double? OodScore,
    CaseReview? Review,
    string CaseId,
    string Accession)
    : CaseImage(PredictionId, FileName, UploadedAt, UploadedBy, Probabilities, PredictedClass, ClassName, ModelVersion,
        Refer, ReferReasons, OodScore, Review);

/// <summary>The answer of <c>GET /review/queue</c>.</summary>
public sealed record ReviewQueue(IReadOnlyList<QueueItem> Items);

/// <summary>The answer of <c>GET /model/agreement</c>: model–reviewer agreement per model version.</summary>
public sealed record ModelAgreement(IReadOnlyList<VersionAgreement> Versions);

/// <summary>How often reviewers kept a version's class, overall (with Cohen's kappa) and per class.</summary>
public sealed record VersionAgreement(
    int ModelVersion, int Reviewed, double? Agreement, double? Kappa, IReadOnlyList<ClassAgreement>? PerClass);

public sealed record ClassAgreement(string ClassName, int Reviewed, int Agreed, double? Agreement);

/// <summary>Image bytes the API served (a case image or its heat map) with their content type.</summary>
public sealed record ImageContent(byte[] Content, string ContentType);
