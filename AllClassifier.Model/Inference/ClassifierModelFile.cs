namespace AllClassifier.Model.Inference;

/// <summary>
/// The interface of the ONNX file the trainer writes and the API serves: input <see cref="InputName"/> is planar
/// RGB 0..255 [N,3,224,224]; outputs are <see cref="ProbabilitiesName"/> [N,classes], <see cref="FeaturesName"/>
/// (the backbone's features) and, in models composed since heat maps exist, <see cref="ClassActivationMapName"/>
/// [N,classes,<see cref="MapSize"/>,<see cref="MapSize"/>], and in models with a referral gate
/// <see cref="OodScoreName"/>.
/// </summary>
public static class ClassifierModelFile
{
    public const string InputName = "image";
    public const string ProbabilitiesName = "probabilities";
    public const string FeaturesName = "features";
    public const string ClassActivationMapName = "cam";

    /// <summary>
    /// [N,1] in models composed with a referral gate: the image's out-of-distribution score on its own features
    /// (<see cref="Referral.ReferralGate"/>), computed in the same pass as the probabilities.
    /// </summary>
    public const string OodScoreName = "ood_score";

    /// <summary>The class activation map's side: the backbone's last feature map over a 224×224 input.</summary>
    public const int MapSize = 7;
}
