namespace AllClassifier.Api.Explain;

/// <summary>
/// Where in the image the evidence for one class lies: <see cref="Map"/> is that class's 7×7 class activation map
/// (rows top to bottom; each cell covers 32×32 pixels of the 224×224 input; its mean plus the head's bias is the
/// class's logit), and <see cref="OverlayPng"/> the map drawn over the input (base64 in JSON).
/// </summary>
public sealed record Explanation(int ClassIndex, string ClassName, float[][] Map, byte[] OverlayPng);
