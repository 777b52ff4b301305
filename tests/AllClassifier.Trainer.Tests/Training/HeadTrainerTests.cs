using AllClassifier.Training.Heads;
using AllClassifier.Trainer.Training;

namespace AllClassifier.Trainer.Tests.Training;

public sealed class HeadTrainerTests
{
    [Theory]
    [InlineData(HeadKind.Softmax)]
    [InlineData(HeadKind.Mlp)]
    public void Training_converges_on_separable_features(HeadKind kind)
    {
        var (train, validation, test) = Clusters(seed: 3);

        var result = HeadTrainer.Train(train, validation, new HeadTrainingOptions { Kind = kind, Seed = 11 });

        Assert.Equal(kind, result.Head.Kind);
        Assert.Equal(kind == HeadKind.Mlp ? 2 : 1, result.Head.Layers.Count);
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss / 4, $"loss {result.History[0].TrainLoss} -> {result.History[^1].TrainLoss}");
        Assert.True(result.History[result.BestEpoch - 1].ValidationAccuracy >= 0.95);
        Assert.True(Accuracy(result.Head, test) >= 0.95, $"test accuracy {Accuracy(result.Head, test)}");
    }

    [Fact]
    public void The_same_seed_gives_the_same_head_and_another_seed_a_different_one()
    {
        var (train, validation, _) = Clusters(seed: 5);
        var options = new HeadTrainingOptions { Kind = HeadKind.Mlp, MaxEpochs = 5, Seed = 1 };

        var first = HeadTrainer.Train(train, validation, options).Head;
        var again = HeadTrainer.Train(train, validation, options).Head;
        var other = HeadTrainer.Train(train, validation, options with { Seed = 2 }).Head;

        Assert.Equal(first.Layers[0].Weights, again.Layers[0].Weights);
        Assert.NotEqual(first.Layers[0].Weights, other.Layers[0].Weights);
    }

    [Fact]
    public void Standardization_is_stored_in_the_head()
    {
        var (train, validation, _) = Clusters(seed: 9, offset: 25f);

        var head = HeadTrainer.Train(train, validation, new HeadTrainingOptions { MaxEpochs = 3 }).Head;

        var mean = train.Features.Select(f => f[0]).Average();
        Assert.Equal(mean, head.FeatureMean[0], 3);
        Assert.InRange(head.FeatureScale[0], 0.01f, 10f);
    }

    private static double Accuracy(ClassifierHead head, LabeledFeatures data) =>
        data.Features.Select((f, i) => System.Numerics.Tensors.TensorPrimitives.IndexOfMax(head.PredictProbabilities(f)) == data.Labels[i]).Average(ok => ok ? 1.0 : 0.0);

    /// <summary>Four Gaussian clusters in 512 dimensions, separable but noisy, with unequal class sizes.</summary>
    private static (LabeledFeatures Train, LabeledFeatures Validation, LabeledFeatures Test) Clusters(int seed, float offset = 3f)
    {
        var random = new Random(seed);
        var centres = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, 512).Select(_ => (float)random.NextDouble() * 0.6f).ToArray()).ToArray();
        LabeledFeatures Sample(int perClass)
        {
            var features = new List<float[]>();
            var labels = new List<int>();
            for (var c = 0; c < 4; c++)
            {
                for (var i = 0; i < perClass + (c * 10); i++)
                {
                    features.Add(centres[c].Select(v => offset + v + (float)((random.NextDouble() - 0.5) * 2.0)).ToArray());
                    labels.Add(c);
                }
            }

            return new LabeledFeatures(features, labels);
        }

        return (Sample(40), Sample(15), Sample(15));
    }
}
