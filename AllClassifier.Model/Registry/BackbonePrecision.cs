namespace AllClassifier.Model.Registry;

/// <summary>The arithmetic of a model's backbone, as recorded on its model card.</summary>
public static class BackbonePrecision
{
    public const string Fp32 = "fp32";

    /// <summary>A QDQ-quantised backbone: uint8 activations, per-channel int8 kernels.</summary>
    public const string Int8 = "int8";
}
