using AllClassifier.Model.Registry;

namespace AllClassifier.Feedback;

/// <summary>
/// "Rows pending since the model was trained", the retraining gate's count: the usable corrections (a class and an
/// image, as <see cref="FeedbackReader"/> reads them for training) with an id above the highest
/// <see cref="ModelCard.FeedbackHighWaterMark"/> of any registered version. The trainer's <c>wait_feedback</c> sensor
/// (and through it Airflow's), and the API's <c>GET /feedback/count</c> (hence the web page) all count with this.
/// Counting only new rows keeps a large table from triggering retraining forever; rows whose <c>correct</c> is not
/// a class (<c>NotAssessable</c>) are never trained on as a class, so they never count.
/// </summary>
public static class PendingFeedback
{
    /// <summary>
    /// The highest feedback row id any registered version was trained up to (0 on an empty registry). Every
    /// version counts, not only the champion: rows a rejected challenger already trained on must not trigger the
    /// same retraining again.
    /// </summary>
    public static long TrainedUpTo(LocalModelRegistry registry) => TrainedUpTo(registry.List().Select(version => version.Card));

    public static long TrainedUpTo(IEnumerable<ModelCard> cards) =>
        cards.Select(card => card.FeedbackHighWaterMark).DefaultIfEmpty(0).Max();

    /// <summary>The usable rows with an id above <paramref name="trainedUpTo"/>.</summary>
    public static async Task<long> CountAsync(IFeedbackSource source, long trainedUpTo, CancellationToken cancellationToken) =>
        (await source.ReadRowsAsync(trainedUpTo, cancellationToken)).Rows.Count;
}
