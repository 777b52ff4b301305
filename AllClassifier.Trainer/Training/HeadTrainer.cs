using System.Numerics.Tensors;
using AllClassifier.Model;
using AllClassifier.Training.Heads;
using AllClassifier.Model.Registry;

namespace AllClassifier.Trainer.Training;

/// <summary>
/// Trains the classifier head in managed code: features standardized with the training mean and deviation, then
/// softmax regression (or one hidden ReLU layer) fitted by class-weighted mini-batch Adam with L2, keeping the
/// epoch with the best validation macro-F1 (ties: lower validation loss). Seeded, so runs are repeatable.
/// </summary>
public static class HeadTrainer
{
    private const float Beta1 = 0.9f;
    private const float Beta2 = 0.999f;
    private const float Epsilon = 1e-8f;

    public static HeadTrainingResult Train(LabeledFeatures train, LabeledFeatures validation, HeadTrainingOptions options, IProgress<int>? epochsDone = null)
    {
        if (train.Count == 0)
        {
            throw new InvalidOperationException("There are no training images.");
        }

        var featureCount = train.Features[0].Length;
        var (mean, scale) = Standardization(train.Features, featureCount);
        var trainInputs = Standardize(train.Features, mean, scale);
        var validationInputs = Standardize(validation.Features, mean, scale);
        var random = new Random(options.Seed);
        var network = new Network(
            options.Kind == HeadKind.Mlp ? [featureCount, options.HiddenUnits, CellClasses.Count] : [featureCount, CellClasses.Count],
            random);
        var classWeights = ClassWeights(train.Labels);

        var history = new List<EpochRecord>();
        var best = (Epoch: 0, F1: double.NegativeInfinity, Loss: double.PositiveInfinity, Parameters: network.Snapshot());
        var order = Enumerable.Range(0, train.Count).ToArray();
        var step = 0;
        for (var epoch = 1; epoch <= options.MaxEpochs; epoch++)
        {
            random.Shuffle(order);
            double lossSum = 0;
            double weightSum = 0;
            for (var start = 0; start < order.Length; start += options.BatchSize)
            {
                var batch = order.AsSpan(start, Math.Min(options.BatchSize, order.Length - start));
                network.ZeroGradients();
                foreach (var index in batch)
                {
                    var weight = classWeights[train.Labels[index]];
                    lossSum += network.Backpropagate(trainInputs[index], train.Labels[index], weight);
                    weightSum += weight;
                }

                network.AdamStep(++step, options.LearningRate, options.L2, batch.Length);
            }

            var (validationLoss, accuracy, macroF1) = Evaluate(network, validationInputs, validation.Labels);
            history.Add(new EpochRecord(epoch, lossSum / weightSum, validationLoss, accuracy, macroF1));
            epochsDone?.Report(epoch);
            if (validation.Count == 0 || macroF1 > best.F1 || (macroF1 == best.F1 && validationLoss < best.Loss))
            {
                best = (epoch, macroF1, validationLoss, network.Snapshot());
            }
            else if (epoch - best.Epoch >= options.Patience)
            {
                break;
            }
        }

        var layers = network.ToLayers(best.Parameters);
        return new HeadTrainingResult(new ClassifierHead(options.Kind, mean, scale, layers), history, best.Epoch);
    }

    private static (double Loss, double Accuracy, double MacroF1) Evaluate(Network network, float[][] inputs, IReadOnlyList<int> labels)
    {
        if (inputs.Length == 0)
        {
            return (0, 0, 0);
        }

        double loss = 0;
        var predicted = new int[inputs.Length];
        for (var i = 0; i < inputs.Length; i++)
        {
            var probabilities = network.Forward(inputs[i]);
            loss -= Math.Log(Math.Max(probabilities[labels[i]], 1e-12f));
            predicted[i] = TensorPrimitives.IndexOfMax(probabilities);
        }

        var metrics = EvaluationMetrics.FromPredictions(labels, predicted);
        return (loss / inputs.Length, metrics.Accuracy, metrics.MacroF1);
    }

    private static (float[] Mean, float[] Scale) Standardization(IReadOnlyList<float[]> features, int featureCount)
    {
        var mean = new float[featureCount];
        foreach (var vector in features)
        {
            TensorPrimitives.Add(mean, vector, mean);
        }

        TensorPrimitives.Divide(mean, features.Count, mean);
        var variance = new double[featureCount];
        foreach (var vector in features)
        {
            for (var j = 0; j < featureCount; j++)
            {
                var difference = vector[j] - mean[j];
                variance[j] += difference * difference;
            }
        }

        // A feature that never varies in training carries no information; scale 1 keeps unseen values bounded.
        var scale = variance.Select(v => v / features.Count > 1e-10 ? (float)(1 / Math.Sqrt(v / features.Count)) : 1f).ToArray();
        return (mean, scale);
    }

    private static float[][] Standardize(IReadOnlyList<float[]> features, float[] mean, float[] scale) =>
        features.Select(vector =>
        {
            var standardized = new float[vector.Length];
            TensorPrimitives.Subtract(vector, mean, standardized);
            TensorPrimitives.Multiply(standardized, scale, standardized);
            return standardized;
        }).ToArray();

    /// <summary>Weights n / (classes · n_c), so every class counts the same in the loss.</summary>
    private static float[] ClassWeights(IReadOnlyList<int> labels)
    {
        var counts = new int[CellClasses.Count];
        foreach (var label in labels)
        {
            counts[label]++;
        }

        var present = counts.Count(c => c > 0);
        return counts.Select(c => c == 0 ? 0f : labels.Count / (float)(present * c)).ToArray();
    }

    /// <summary>Dense layers with ReLU between them and softmax at the end, with gradients and Adam state.</summary>
    private sealed class Network
    {
        private readonly int[] _sizes;
        private readonly float[][] _weights;
        private readonly float[][] _biases;
        private readonly float[][] _weightGradients;
        private readonly float[][] _biasGradients;
        private readonly float[][] _moments;
        private readonly float[][] _velocities;
        private readonly float[][] _activations;
        private readonly float[][] _deltas;

        public Network(int[] sizes, Random random)
        {
            _sizes = sizes;
            var layers = sizes.Length - 1;
            _weights = new float[layers][];
            _biases = new float[layers][];
            for (var l = 0; l < layers; l++)
            {
                // He initialisation for layers feeding a ReLU, Glorot-like for the output layer.
                var deviation = l < layers - 1 ? Math.Sqrt(2.0 / sizes[l]) : Math.Sqrt(1.0 / sizes[l]);
                _weights[l] = Enumerable.Range(0, sizes[l] * sizes[l + 1]).Select(_ => (float)(Gaussian(random) * deviation)).ToArray();
                _biases[l] = new float[sizes[l + 1]];
            }

            _weightGradients = _weights.Select(w => new float[w.Length]).ToArray();
            _biasGradients = _biases.Select(b => new float[b.Length]).ToArray();
            var parameters = _weights.Concat(_biases).ToArray();
            _moments = parameters.Select(p => new float[p.Length]).ToArray();
            _velocities = parameters.Select(p => new float[p.Length]).ToArray();
            _activations = sizes.Select(size => new float[size]).ToArray();
            _deltas = sizes.Select(size => new float[size]).ToArray();
        }

        private int Layers => _sizes.Length - 1;

        public float[] Forward(float[] input)
        {
            input.CopyTo(_activations[0], 0);
            for (var l = 0; l < Layers; l++)
            {
                var inputs = _sizes[l];
                var output = _activations[l + 1];
                for (var o = 0; o < output.Length; o++)
                {
                    output[o] = TensorPrimitives.Dot(_weights[l].AsSpan(o * inputs, inputs), _activations[l]) + _biases[l][o];
                }

                if (l < Layers - 1)
                {
                    TensorPrimitives.Max(output, 0f, output);
                }
            }

            TensorPrimitives.SoftMax(_activations[Layers], _activations[Layers]);
            return _activations[Layers];
        }

        /// <summary>Adds this example's gradients (scaled by <paramref name="weight"/>); returns its weighted loss.</summary>
        public double Backpropagate(float[] input, int label, float weight)
        {
            var probabilities = Forward(input);
            var loss = -weight * Math.Log(Math.Max(probabilities[label], 1e-12f));
            var delta = _deltas[Layers];
            TensorPrimitives.Multiply(probabilities, weight, delta);
            delta[label] -= weight;
            for (var l = Layers - 1; l >= 0; l--)
            {
                var inputs = _sizes[l];
                var below = _deltas[l];
                if (l > 0)
                {
                    Array.Clear(below);
                }

                for (var o = 0; o < _sizes[l + 1]; o++)
                {
                    var d = delta[o];
                    if (d == 0)
                    {
                        continue;
                    }

                    var gradientRow = _weightGradients[l].AsSpan(o * inputs, inputs);
                    TensorPrimitives.MultiplyAdd(_activations[l], d, gradientRow, gradientRow);
                    _biasGradients[l][o] += d;
                    if (l > 0)
                    {
                        TensorPrimitives.MultiplyAdd(_weights[l].AsSpan(o * inputs, inputs), d, below, below);
                    }
                }

                if (l > 0)
                {
                    // ReLU passes gradient only where it was active.
                    var activation = _activations[l];
                    for (var j = 0; j < below.Length; j++)
                    {
                        if (activation[j] <= 0)
                        {
                            below[j] = 0;
                        }
                    }

                    delta = below;
                }
            }

            return loss;
        }

        public void ZeroGradients()
        {
            foreach (var gradient in _weightGradients.Concat(_biasGradients))
            {
                Array.Clear(gradient);
            }
        }

        public void AdamStep(int step, float learningRate, float l2, int batchSize)
        {
            var correctedRate = learningRate * (float)(Math.Sqrt(1 - Math.Pow(Beta2, step)) / (1 - Math.Pow(Beta1, step)));
            for (var l = 0; l < Layers; l++)
            {
                TensorPrimitives.Divide(_weightGradients[l], batchSize, _weightGradients[l]);
                TensorPrimitives.MultiplyAdd(_weights[l], l2, _weightGradients[l], _weightGradients[l]);
                TensorPrimitives.Divide(_biasGradients[l], batchSize, _biasGradients[l]);
                Update(_weights[l], _weightGradients[l], _moments[l], _velocities[l], correctedRate);
                Update(_biases[l], _biasGradients[l], _moments[Layers + l], _velocities[Layers + l], correctedRate);
            }
        }

        public float[][] Snapshot() => _weights.Concat(_biases).Select(p => (float[])p.Clone()).ToArray();

        public IReadOnlyList<DenseLayer> ToLayers(float[][] snapshot) =>
            Enumerable.Range(0, Layers)
                .Select(l => new DenseLayer(_sizes[l], _sizes[l + 1], snapshot[l], snapshot[Layers + l]))
                .ToList();

        private static void Update(float[] parameter, float[] gradient, float[] moment, float[] velocity, float rate)
        {
            TensorPrimitives.Multiply(moment, Beta1, moment);
            TensorPrimitives.MultiplyAdd(gradient, 1 - Beta1, moment, moment);
            TensorPrimitives.Multiply(gradient, gradient, gradient);
            TensorPrimitives.Multiply(velocity, Beta2, velocity);
            TensorPrimitives.MultiplyAdd(gradient, 1 - Beta2, velocity, velocity);
            TensorPrimitives.Sqrt(velocity, gradient);
            TensorPrimitives.Add(gradient, Epsilon, gradient);
            TensorPrimitives.Divide(moment, gradient, gradient);
            TensorPrimitives.MultiplyAdd(gradient, -rate, parameter, parameter);
        }

        private static double Gaussian(Random random)
        {
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }
    }
}
