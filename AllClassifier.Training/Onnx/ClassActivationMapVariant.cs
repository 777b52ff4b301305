namespace AllClassifier.Training.Onnx;

/// <summary>
/// Which linear weights a composed model's class activation map uses, as recorded in the model's metadata and its
/// model card.
/// </summary>
public static class ClassActivationMapVariant
{
    public const string MetadataKey = "cam";

    /// <summary>The served softmax head itself: the map's spatial mean plus the bias is exactly its logits.</summary>
    public const string Head = "head";

    /// <summary>
    /// An MLP head has no per-position linear decomposition, so the map comes from a softmax head trained alongside it
    /// on the same features: exact for that probe, and evidence for the MLP only as far as the two agree.
    /// </summary>
    public const string LinearProbe = "linear_probe";
}
