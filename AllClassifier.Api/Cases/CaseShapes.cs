using AllClassifier.Feedback;
namespace AllClassifier.Api.Cases;

/// <summary>A case in lists: counts only.</summary>
public record CaseSummary(
    string CaseId,
    string Accession,
    string Status,
    string CreatedAt,
    string? CreatedBy,
    int Images,
    int Reviewed,
    int Referred,
    string? SignedAt,
    string? SignedBy);

/// <summary>
/// A case with its images and the summary over its final decisions. <c>images</c> is the list here (a summary's
/// <c>images</c> is the count, which a case carries as <c>image_count</c>).
/// </summary>
public sealed record CaseDetail(
    string CaseId,
    string Accession,
    string Status,
    string CreatedAt,
    string? CreatedBy,
    int ImageCount,
    int Reviewed,
    int Referred,
    string? SignedAt,
    string? SignedBy,
    IReadOnlyList<int> ModelVersions,
    CaseResultSummary Summary,
    IReadOnlyList<CaseImage> Images)
{
    public static CaseDetail Of(CaseSummary summary, IReadOnlyList<CaseImage> images) => new(
        summary.CaseId,
        summary.Accession,
        summary.Status,
        summary.CreatedAt,
        summary.CreatedBy,
        summary.Images,
        summary.Reviewed,
        summary.Referred,
        summary.SignedAt,
        summary.SignedBy,
        [.. images.Select(image => image.ModelVersion).Distinct().Order()],
        CaseResultSummary.Of(images),
        images);
}

/// <summary>
/// Counts and shares per class of the final decision (the review, else the prediction) over the accepted images, i.e.
/// all but those reviewed as not assessable.
/// </summary>
public sealed record CaseResultSummary(IReadOnlyList<ClassShare> PerClass, int Accepted, int Referred, int NotAssessable)
{
    public static CaseResultSummary Of(IReadOnlyList<CaseImage> images)
    {
        var finals = images.Select(image => image.Review?.Decision ?? image.ClassName).ToList();
        var notAssessable = finals.Count(decision => decision == FeedbackVerdict.NotAssessable);
        var accepted = finals.Count - notAssessable;
        var perClass = Model.CellClasses.Names
            .Select(name => (Name: name, Count: finals.Count(decision => decision == name)))
            .Select(entry => new ClassShare(entry.Name, entry.Count, accepted == 0 ? 0 : Math.Round((double)entry.Count / accepted, 4)))
            .ToList();
        return new CaseResultSummary(perClass, accepted, images.Count(image => image.Refer), notAssessable);
    }
}

public sealed record ClassShare(string ClassName, int Count, double Share);

/// <summary>One image of a case: its prediction and, once reviewed, the review.</summary>
public record CaseImage(
    string PredictionId,
    string? FileName,
    string UploadedAt,
    string? UploadedBy,
    IReadOnlyList<float> Probabilities,
    int PredictedClass,
    string ClassName,
    int ModelVersion,
    bool Refer,
    IReadOnlyList<string> ReferReasons,
    double? OodScore,
    ImageReview? Review);

public sealed record ImageReview(string Decision, string? Reviewer, string ReviewedAt);

/// <summary>An unreviewed image of an open case, as the review queue lists it.</summary>
public sealed record QueueItem(
    string PredictionId,
    string? FileName,
    string UploadedAt,
    string? UploadedBy,
    IReadOnlyList<float> Probabilities,
    int PredictedClass,
    string ClassName,
    int ModelVersion,
    bool Refer,
    IReadOnlyList<string> ReferReasons,
    double? OodScore,
    ImageReview? Review,
    string CaseId,
    string Accession);

public sealed record CaseList(IReadOnlyList<CaseSummary> Cases);

public sealed record QueueResponse(IReadOnlyList<QueueItem> Items);

public sealed record CreateCaseRequest(string? Accession);

public sealed record ReviewRequest(string? Decision);
