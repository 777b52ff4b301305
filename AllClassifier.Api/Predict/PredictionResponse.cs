namespace AllClassifier.Api.Predict;

/// <summary>
/// The original contract (<c>probabilities</c>, <c>predicted_class</c>) plus the class name and the model
/// version that answered.
/// </summary>
public sealed record PredictionResponse(float[] Probabilities, int PredictedClass, string ClassName, int ModelVersion);
