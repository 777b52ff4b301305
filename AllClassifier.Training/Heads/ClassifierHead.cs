using System.Numerics.Tensors;

namespace AllClassifier.Training.Heads;

public enum HeadKind
{
    /// <summary>Multinomial logistic regression on the standardized features.</summary>
    Softmax,

    /// <summary>One hidden ReLU layer, then softmax.</summary>
    Mlp,
}

/// <summary>A fully connected layer; <see cref="Weights"/> is row-major [Outputs, Inputs].</summary>
public sealed record DenseLayer(int Inputs, int Outputs, float[] Weights, float[] Bias)
{
    public void Validate()
    {
        if (Weights.Length != Inputs * Outputs || Bias.Length != Outputs)
        {
            throw new InvalidOperationException(
                $"Layer {Inputs}->{Outputs} needs {Inputs * Outputs} weights and {Outputs} biases, has {Weights.Length} and {Bias.Length}.");
        }
    }

    public void Forward(ReadOnlySpan<float> input, Span<float> output)
    {
        for (var o = 0; o < Outputs; o++)
        {
            output[o] = TensorPrimitives.Dot(Weights.AsSpan(o * Inputs, Inputs), input) + Bias[o];
        }
    }
}

/// <summary>
/// The trained classifier that sits on the backbone's 512 features. Features are standardized with
/// <see cref="FeatureMean"/> and <see cref="FeatureScale"/> (1/std) before the layers; hidden layers use ReLU,
/// the last layer feeds a softmax. The ONNX export folds the standardization into the first layer.
/// </summary>
public sealed record ClassifierHead(HeadKind Kind, float[] FeatureMean, float[] FeatureScale, IReadOnlyList<DenseLayer> Layers)
{
    public int FeatureCount => FeatureMean.Length;

    public int ClassCount => Layers[^1].Outputs;

    public void Validate()
    {
        if (Layers.Count == 0 || FeatureScale.Length != FeatureMean.Length || Layers[0].Inputs != FeatureMean.Length)
        {
            throw new InvalidOperationException("The head's standardization does not match its first layer.");
        }

        for (var i = 0; i < Layers.Count; i++)
        {
            Layers[i].Validate();
            if (i > 0 && Layers[i].Inputs != Layers[i - 1].Outputs)
            {
                throw new InvalidOperationException($"Layer {i} expects {Layers[i].Inputs} inputs but layer {i - 1} gives {Layers[i - 1].Outputs}.");
            }
        }
    }

    /// <summary>The managed forward pass: features [FeatureCount] to class probabilities [ClassCount].</summary>
    public float[] PredictProbabilities(ReadOnlySpan<float> features)
    {
        var logits = Logits(features);
        // Shifted by the largest logit first, as ONNX Softmax does, so that large (tempered) logits cannot overflow.
        TensorPrimitives.Subtract(logits, TensorPrimitives.Max<float>(logits), logits);
        TensorPrimitives.SoftMax(logits, logits);
        return logits;
    }

    public float[] Logits(ReadOnlySpan<float> features)
    {
        var current = new float[FeatureCount];
        TensorPrimitives.Subtract(features, FeatureMean, current);
        TensorPrimitives.Multiply(current, FeatureScale, current);
        for (var i = 0; i < Layers.Count; i++)
        {
            var next = new float[Layers[i].Outputs];
            Layers[i].Forward(current, next);
            if (i < Layers.Count - 1)
            {
                TensorPrimitives.Max(next, 0f, next);
            }

            current = next;
        }

        return current;
    }

    /// <summary>
    /// The layers with standardization folded into the first one: W' = W·diag(scale), b' = b − W'·mean,
    /// so the exported graph is just Gemm (→ Relu → Gemm) → Softmax on the raw features.
    /// </summary>
    public IReadOnlyList<DenseLayer> FoldedLayers()
    {
        var first = Layers[0];
        var weights = new float[first.Weights.Length];
        var bias = new float[first.Outputs];
        for (var o = 0; o < first.Outputs; o++)
        {
            var source = first.Weights.AsSpan(o * first.Inputs, first.Inputs);
            var target = weights.AsSpan(o * first.Inputs, first.Inputs);
            TensorPrimitives.Multiply(source, FeatureScale, target);
            bias[o] = first.Bias[o] - TensorPrimitives.Dot(target, FeatureMean);
        }

        return [new DenseLayer(first.Inputs, first.Outputs, weights, bias), .. Layers.Skip(1)];
    }

    /// <summary>
    /// The same head with its logits divided by <paramref name="temperature"/> (the last layer's weights and bias
    /// scaled): the predicted class is unchanged, the probabilities are tempered, and the composed ONNX model serves
    /// them without an extra node.
    /// </summary>
    public ClassifierHead WithTemperature(double temperature)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be positive and finite.");
        }

        var last = Layers[^1];
        var factor = (float)(1 / temperature);
        var weights = new float[last.Weights.Length];
        var bias = new float[last.Bias.Length];
        TensorPrimitives.Multiply(last.Weights, factor, weights);
        TensorPrimitives.Multiply(last.Bias, factor, bias);
        return this with { Layers = [.. Layers.Take(Layers.Count - 1), last with { Weights = weights, Bias = bias }] };
    }
}
