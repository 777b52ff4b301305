using AllClassifier.Feedback;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Model.Referral;
using AllClassifier.Trainer.Pipeline;

namespace AllClassifier.Trainer.Evaluation;

/// <summary>
/// The images staff answered "not assessable" (not a smear, or unusable), scored by the challenger's referral gate and
/// by the champion's on the same rows, as the API serves each. <see cref="ChallengerOnly"/> and
/// <see cref="ChampionOnly"/> count the rows only one of the two refers: the pairs a paired (McNemar) test compares.
/// </summary>
public sealed record NotAssessableResult
{
    public required int Count { get; init; }

    /// <summary>Rows the challenger refers (an image the API would refuse as unreadable counts as referred).</summary>
    public required int Referred { get; init; }

    /// <summary>The champion measured on the same rows; null without a gated champion.</summary>
    public int? ChampionVersion { get; init; }

    public int? ChampionReferred { get; init; }

    public int ChallengerOnly { get; init; }

    public int ChampionOnly { get; init; }

    public double ReferralRate => Count == 0 ? 0 : (double)Referred / Count;
}

/// <summary>
/// Scores the not-assessable feedback rows (<see cref="FeedbackBatch.NotAssessable"/>) with a model's own in-graph
/// out-of-distribution score and its card's gate, one image at a time from the feedback table: no copy of these
/// images is written anywhere, so deleting a row leaves nothing of it in the trainer's work folder.
/// </summary>
public sealed class NotAssessableCheck(ImagePreprocessor preprocessor)
{
    /// <summary>
    /// The challenger's result, with the champion's on the same rows when it has a gate; null when no feedback table is
    /// configured or it holds no not-assessable image.
    /// </summary>
    public async Task<NotAssessableResult?> MeasureAsync(
        PipelineOptions options,
        string challengerModel,
        ReferralGate challengerGate,
        (int Version, string ModelPath, ReferralGate Gate)? champion,
        IPipelineReporter reporter,
        CancellationToken cancellationToken)
    {
        if (FeedbackSources.OpenIfConfigured(options.FeedbackConnectionString, options.FeedbackDatabase) is not { } source)
        {
            return null;
        }

        var ids = (await source.ReadRowsAsync(0, cancellationToken)).NotAssessable;
        if (ids.Count == 0)
        {
            return null;
        }

        var challenger = Referrals(source, ids, challengerModel, challengerGate, "challenger", reporter, cancellationToken);
        if (champion is not { Gate.Present: true } gated)
        {
            return new NotAssessableResult { Count = ids.Count, Referred = challenger.Count(refer => refer) };
        }

        var championReferrals = Referrals(source, ids, gated.ModelPath, gated.Gate, $"champion v{gated.Version}", reporter, cancellationToken);
        return new NotAssessableResult
        {
            Count = ids.Count,
            Referred = challenger.Count(refer => refer),
            ChampionVersion = gated.Version,
            ChampionReferred = championReferrals.Count(refer => refer),
            ChallengerOnly = challenger.Where((refer, i) => refer && !championReferrals[i]).Count(),
            ChampionOnly = challenger.Where((refer, i) => !refer && championReferrals[i]).Count(),
        };
    }

    private bool[] Referrals(
        IFeedbackSource source,
        IReadOnlyList<long> ids,
        string modelPath,
        ReferralGate gate,
        string whose,
        IPipelineReporter reporter,
        CancellationToken cancellationToken)
    {
        var model = File.ReadAllBytes(modelPath);
        var forms = ServingGraph.Forms(model);
        var (form, _) = FirstConvolutionForm.For(CpuFeatures.Current, forms);
        var outputs = ServingGraph.Outputs(model).Where(o => o != ClassifierModelFile.ClassActivationMapName).ToList();
        using var classifier = OnnxClassifier.Load(
            ServingGraph.Prepare(model, forms.Count == 0 ? null : form, outputs),
            new ScorerOptions { IntraOpThreads = Environment.ProcessorCount });
        var referrals = new bool[ids.Count];
        reporter.WithProgress($"Not-assessable images through the {whose}'s referral gate", ids.Count, progress =>
        {
            for (var i = 0; i < ids.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                referrals[i] = Refers(classifier, gate, source.ReadImage(ids[i]));
                progress.Report(i + 1);
            }

            return ids.Count;
        });
        return referrals;
    }

    private bool Refers(OnnxClassifier classifier, ReferralGate gate, byte[] image)
    {
        ImageHeader header;
        float[] tensor;
        try
        {
            header = preprocessor.Inspect(image);
            tensor = new float[ImagePreprocessor.TensorLength];
            preprocessor.WriteInspectedTensor(image, tensor);
        }
        catch (ImageRejectedException)
        {
            // The API answers such an upload with a 4xx and no class: as good as referred.
            return true;
        }

        var (_, oodScore) = classifier.ClassifyWithOodScore(tensor);
        return oodScore is { } score && gate.Decide(ImageQuality.Measure(tensor, header.Width, header.Height), score).Refer;
    }
}
