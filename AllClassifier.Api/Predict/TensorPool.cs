using System.Collections.Concurrent;
using AllClassifier.Model.Imaging;

namespace AllClassifier.Api.Predict;

/// <summary>
/// Reuses the 600 KB input tensors: allocating one per request lands on the large object heap and costs
/// gen-2 collections under load. At most two tensors per inference slot are ever in use (the image and, with test-time
/// augmentation, its current view).
/// </summary>
public sealed class TensorPool
{
    private readonly ConcurrentBag<float[]> _tensors = [];

    public float[] Rent() => _tensors.TryTake(out var tensor) ? tensor : new float[ImagePreprocessor.TensorLength];

    public void Return(float[] tensor) => _tensors.Add(tensor);
}
