using AllClassifier.Feedback;

namespace AllClassifier.Api.Feedback;

/// <summary>The original contract (<c>stored</c>, <c>feedback_count</c>) plus the stored row's id.</summary>
public sealed record FeedbackStoredResponse(bool Stored, long FeedbackCount, long Id);

/// <summary>
/// <c>GET /feedback/count</c>: the LLD's <c>feedback_count</c> (every row) plus the retraining gate as the trainer
/// applies it (<see cref="PendingFeedback"/>): rows pending since training, the threshold, and the highest row id
/// already trained on.
/// </summary>
public sealed record FeedbackCountResponse(long FeedbackCount, long PendingSinceTraining, int Threshold, long TrainedUpTo);

/// <summary>
/// <c>DELETE /feedback/{id}</c>: <c>erased</c> is false when the row is gone but its bytes could not yet be taken out
/// of the database's files (a reader held an old snapshot past the busy timeout); the next delete or retention sweep
/// takes them.
/// </summary>
public sealed record FeedbackDeletedResponse(bool Deleted, long FeedbackCount, bool Erased);

public sealed record FeedbackRowsResponse(IReadOnlyList<FeedbackRowSummary> Rows);

/// <summary>The multipart form of <c>POST /feedback</c>, as documented in OpenAPI.</summary>
public sealed class FeedbackForm
{
    /// <summary>The true class: a name (Benign, Early, Pre, Pro; any case) or an index 0-3.</summary>
    public required string CorrectLabel { get; init; }

    /// <summary>The class the model predicted, in the same forms.</summary>
    public required string PredictedLabel { get; init; }

    /// <summary>The image the prediction was made for: JPEG, PNG or BMP.</summary>
    public required IFormFile File { get; init; }
}
