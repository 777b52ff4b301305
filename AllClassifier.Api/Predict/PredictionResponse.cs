using System.Text.Json.Serialization;
using AllClassifier.Api.Explain;

namespace AllClassifier.Api.Predict;

/// <summary>
/// The original contract (<c>probabilities</c>, <c>predicted_class</c>) plus the class name and the model
/// version that answered, the number of dihedral views its probabilities average (the card's test-time augmentation), and with <c>?explain=true</c> the explanation of the predicted class.
/// </summary>
public sealed record PredictionResponse(float[] Probabilities, int PredictedClass, string ClassName, int ModelVersion)
{
    public int TestTimeViews { get; init; } = 1;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Explanation? Explanation { get; init; }
}
