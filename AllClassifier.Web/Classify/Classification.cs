using AllClassifier.Web.Backend;

namespace AllClassifier.Web.Classify;

/// <summary>An uploaded image with the API's prediction for it, kept until the user confirms or corrects it.</summary>
public sealed record Classification(ImageFile Image, Prediction Prediction);
