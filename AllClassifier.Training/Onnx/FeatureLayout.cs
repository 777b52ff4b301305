namespace AllClassifier.Training.Onnx;

/// <summary>Which backbone features a composed model hands its head.</summary>
public enum FeatureLayout
{
    /// <summary>ResNet18's 512 last-stage features, globally average-pooled.</summary>
    GlobalPool,

    /// <summary>
    /// 1,024 features from one backbone pass: the 512 of <see cref="GlobalPool"/>, the 256 third-stage features
    /// globally pooled, and the same 256 pooled with the weights of a stain mask of the nuclei.
    /// </summary>
    /// <remarks>
    /// The third stage (14×14) still resolves chromatin texture and nuclear outline, which is what tells the blast
    /// stages from hematogones; the last stage has pooled that into shape-level evidence. The nuclei-weighted pooling
    /// is the dataset authors' HSV segmentation (saturated pixels whose green is the weakest channel: purple stain)
    /// applied to the features rather than to a second copy of the image, so it costs no second backbone pass.
    /// On the public ALL dataset's leakage-aware split it moved frozen-backbone accuracy from about 98.3% to 99.4%
    /// (see the quality benchmark).
    /// </remarks>
    MultiScale,
}

public static class FeatureLayouts
{
    /// <summary>The model metadata key (and model card field) that records a model's layout.</summary>
    public const string MetadataKey = "feature_layout";

    public const int LastStageChannels = 512;
    public const int ThirdStageChannels = 256;

    public static int FeatureCount(this FeatureLayout layout) => layout switch
    {
        FeatureLayout.GlobalPool => LastStageChannels,
        FeatureLayout.MultiScale => LastStageChannels + (2 * ThirdStageChannels),
        _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, null),
    };

    /// <summary>The name used on the command line, in metadata and in the work directory.</summary>
    public static string Name(this FeatureLayout layout) => layout switch
    {
        FeatureLayout.GlobalPool => "global_pool",
        FeatureLayout.MultiScale => "multi_scale",
        _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, null),
    };

    public static bool TryParse(string? name, out FeatureLayout layout)
    {
        foreach (var candidate in Enum.GetValues<FeatureLayout>())
        {
            if (string.Equals(candidate.Name(), name?.Replace('-', '_'), StringComparison.OrdinalIgnoreCase))
            {
                layout = candidate;
                return true;
            }
        }

        layout = default;
        return false;
    }
}
