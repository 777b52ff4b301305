namespace AllClassifier.Mlflow;

/// <summary>
/// The limits MLflow puts on one <c>runs/log-batch</c> request, and the split of a large log into requests that
/// respect them.
/// </summary>
public static class MlflowBatchLimits
{
    public const int MaxMetrics = 1000;
    public const int MaxParams = 100;
    public const int MaxTags = 100;
    public const int MaxEntities = 1000;
    public const int MaxKeyLength = 250;
    public const int MaxParamValueLength = 6000;
    public const int MaxTagValueLength = 5000;

    public sealed record Batch(IReadOnlyList<MlflowMetric> Metrics, IReadOnlyList<MlflowParam> Params, IReadOnlyList<MlflowTag> Tags);

    /// <summary>
    /// Splits into batches, params and tags first (they are few and describe the run), filling the remainder of
    /// each request's entity budget with metrics. Invalid keys or values fail here rather than half-way through.
    /// </summary>
    public static IEnumerable<Batch> Split(IReadOnlyList<MlflowMetric> metrics, IReadOnlyList<MlflowParam> parameters, IReadOnlyList<MlflowTag> tags)
    {
        Validate(metrics, parameters, tags);
        int m = 0, p = 0, t = 0;
        do
        {
            var paramCount = Math.Min(MaxParams, parameters.Count - p);
            var tagCount = Math.Min(MaxTags, tags.Count - t);
            var metricCount = Math.Min(Math.Min(MaxMetrics, MaxEntities - paramCount - tagCount), metrics.Count - m);
            yield return new Batch(
                metrics.Skip(m).Take(metricCount).ToList(),
                parameters.Skip(p).Take(paramCount).ToList(),
                tags.Skip(t).Take(tagCount).ToList());
            m += metricCount;
            p += paramCount;
            t += tagCount;
        }
        while (m < metrics.Count || p < parameters.Count || t < tags.Count);
    }

    private static void Validate(IReadOnlyList<MlflowMetric> metrics, IReadOnlyList<MlflowParam> parameters, IReadOnlyList<MlflowTag> tags)
    {
        foreach (var key in metrics.Select(x => x.Key).Concat(parameters.Select(x => x.Key)).Concat(tags.Select(x => x.Key)))
        {
            if (string.IsNullOrEmpty(key) || key.Length > MaxKeyLength)
            {
                throw new ArgumentException($"MLflow keys must have 1 to {MaxKeyLength} characters: '{key}'.");
            }
        }

        if (parameters.FirstOrDefault(x => x.Value.Length > MaxParamValueLength) is { } longParam)
        {
            throw new ArgumentException($"MLflow param '{longParam.Key}' is longer than {MaxParamValueLength} characters.");
        }

        if (tags.FirstOrDefault(x => x.Value.Length > MaxTagValueLength) is { } longTag)
        {
            throw new ArgumentException($"MLflow tag '{longTag.Key}' is longer than {MaxTagValueLength} characters.");
        }

        if (metrics.FirstOrDefault(x => x.Timestamp <= 0) is { } untimed)
        {
            throw new ArgumentException($"MLflow metric '{untimed.Key}' needs a timestamp.");
        }
    }
}
