using System.Data.Common;
using AllClassifier.Model;

namespace AllClassifier.Feedback;

/// <summary>
/// One stored correction. <paramref name="Correct"/> is null for a not-assessable verdict (<see cref="FeedbackVerdict"/>),
/// stored as <c>NotAssessable</c>.
/// </summary>
public sealed record FeedbackEntry(CellClass? Correct, CellClass Predicted, byte[] Image, string Sha256, int? ModelVersion)
{
    /// <summary>The caller that sent it (see <c>CallerName</c>); null on an open API.</summary>
    public string? SentBy { get; init; }

    /// <summary>What the person said, as the <c>correct</c> column stores it.</summary>
    public string CorrectName => FeedbackVerdict.Name(Correct);
}

/// <summary>What <see cref="IFeedbackStore.AddAsync"/> stored: the row's id and the row count including it.</summary>
public sealed record StoredFeedback(long Id, long Count);

/// <summary>
/// What a delete removed, and whether the rows' bytes (the image above all) are gone from the database's files as well:
/// false when readers kept the erasure from finishing in time, in which case they go at the store's next erasure.
/// </summary>
public sealed record FeedbackDeletion(int Rows, bool Erased)
{
    public bool Deleted => Rows > 0;
}

/// <summary>A stored correction without its image, for review.</summary>
public sealed record FeedbackRowSummary(long Id, double Ts, string Correct, string Predicted, int? ModelVersion, string? SentBy)
{
    /// <summary>Reads the rows of (id, ts, correct, predicted, model_version, sent_by) either store selects.</summary>
    public static async Task<IReadOnlyList<FeedbackRowSummary>> ReadAllAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var rows = new List<FeedbackRowSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new FeedbackRowSummary(
                reader.GetInt64(0),
                reader.IsDBNull(1) ? 0 : reader.GetDouble(1),
                reader.IsDBNull(2) ? "" : reader.GetString(2),
                reader.IsDBNull(3) ? "" : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return rows;
    }
}

/// <summary>
/// Where corrections are kept: SQLite under <c>FEEDBACK_DIR</c> (<see cref="SqliteFeedbackStore"/>) or, when the
/// <c>feedback</c> connection string is set, PostgreSQL (<see cref="PostgresFeedbackStore"/>). Both keep the
/// <see cref="FeedbackTable"/> contract the trainer reads.
/// </summary>
public interface IFeedbackStore
{
    /// <summary>Stores the entry durably and returns its id and the number of rows including it.</summary>
    Task<StoredFeedback> AddAsync(FeedbackEntry entry, CancellationToken cancellationToken);

    /// <summary>The newest rows, without their images.</summary>
    Task<IReadOnlyList<FeedbackRowSummary>> ListNewestAsync(int limit, CancellationToken cancellationToken);

    /// <summary>Deletes one row (no rows deleted when there is none with that id) and erases its bytes.</summary>
    Task<FeedbackDeletion> DeleteAsync(long id, CancellationToken cancellationToken);

    /// <summary>Deletes every row stored before <paramref name="cutoff"/> and erases their bytes.</summary>
    Task<FeedbackDeletion> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);

    Task<long> CountAsync(CancellationToken cancellationToken);
}
