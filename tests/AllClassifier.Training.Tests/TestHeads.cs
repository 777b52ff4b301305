using AllClassifier.Training.Heads;
using AllClassifier.Model.Imaging;

namespace AllClassifier.Training.Tests;

internal static class TestHeads
{
    public static ClassifierHead Random(HeadKind kind, int seed, int features = 512)
    {
        var random = new Random(seed);
        float[] Values(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * scale)).ToArray();
        var mean = Values(features, 1.0).Select(Math.Abs).ToArray();
        var scale = Enumerable.Range(0, features).Select(_ => (float)(0.5 + random.NextDouble())).ToArray();
        DenseLayer[] layers = kind == HeadKind.Softmax
            ? [new DenseLayer(features, 4, Values(features * 4, 0.2), Values(4, 0.5))]
            : [new DenseLayer(features, 16, Values(features * 16, 0.2), Values(16, 0.5)), new DenseLayer(16, 4, Values(64, 1.0), Values(4, 0.5))];
        return new ClassifierHead(kind, mean, scale, layers);
    }
}

internal static class TestImages
{
    public static float[] RandomTensors(int count, int seed)
    {
        var random = new Random(seed);
        var data = new float[count * ImagePreprocessor.TensorLength];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = random.Next(256);
        }

        return data;
    }
}
