namespace AllClassifier.Model.Inference;

/// <summary>
/// The interface of the ONNX file the trainer writes and the API serves: input <see cref="InputName"/> is planar
/// RGB 0..255 [N,3,224,224]; outputs are <see cref="ProbabilitiesName"/> [N,classes] and <see cref="FeaturesName"/>
/// (the backbone's features).
/// </summary>
public static class ClassifierModelFile
{
    public const string InputName = "image";
    public const string ProbabilitiesName = "probabilities";
    public const string FeaturesName = "features";
}
