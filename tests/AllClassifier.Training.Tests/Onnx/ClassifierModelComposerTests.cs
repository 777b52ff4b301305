using AllClassifier.Training.Heads;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Training.Onnx;

namespace AllClassifier.Training.Tests.Onnx;

public sealed class ClassifierModelComposerTests
{
    [Theory]
    [InlineData(HeadKind.Softmax)]
    [InlineData(HeadKind.Mlp)]
    public void Composed_probabilities_match_the_managed_head_on_the_same_features(HeadKind kind)
    {
        var head = TestHeads.Random(kind, seed: 7);
        var model = ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), head);
        using var classifier = OnnxClassifier.Load(model);

        var images = TestImages.RandomTensors(count: 3, seed: 11);
        var batch = classifier.ScoreBatch(images, 3);

        Assert.True(classifier.HasProbabilities);
        Assert.Equal(4, classifier.ClassCount);
        foreach (var scores in batch)
        {
            Assert.Equal(ClassifierModelComposer.FeatureCount, scores.Features.Length);
            var managed = head.PredictProbabilities(scores.Features);
            for (var c = 0; c < 4; c++)
            {
                Assert.InRange(Math.Abs(managed[c] - scores.Probabilities[c]), 0, 1e-4);
            }

            Assert.InRange(scores.Probabilities.Sum(), 0.9999f, 1.0001f);
        }
    }

    [Fact]
    public void Classify_gives_the_probabilities_alone_as_a_full_score_does()
    {
        var head = TestHeads.Random(HeadKind.Mlp, seed: 9);
        using var classifier = OnnxClassifier.Load(ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), head));
        var image = TestImages.RandomTensors(count: 1, seed: 13);

        var probabilities = classifier.Classify(image);

        Assert.Equal(classifier.Score(image).Probabilities, probabilities);
    }

    [Fact]
    public void Batched_and_single_image_runs_agree()
    {
        var head = TestHeads.Random(HeadKind.Softmax, seed: 3);
        using var classifier = OnnxClassifier.Load(ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), head));
        var images = TestImages.RandomTensors(count: 2, seed: 5);

        var batch = classifier.ScoreBatch(images, 2);
        var second = classifier.Score(images[ImagePreprocessor.TensorLength..]);

        for (var i = 0; i < second.Features.Length; i++)
        {
            Assert.InRange(Math.Abs(batch[1].Features[i] - second.Features[i]), 0, 1e-3);
        }

        // Different images give different features: the backbone really runs.
        Assert.NotEqual(batch[0].Features, batch[1].Features);
    }

    [Fact]
    public void Feature_extractor_has_only_the_features_output_and_matches_the_classifier()
    {
        var files = BackboneFiles.InDirectory();
        using var extractor = OnnxClassifier.Load(ClassifierModelComposer.ComposeFeatureExtractor(files));
        using var classifier = OnnxClassifier.Load(ClassifierModelComposer.Compose(files, TestHeads.Random(HeadKind.Softmax, 1)));
        var image = TestImages.RandomTensors(1, seed: 9);

        var features = extractor.Score(image);
        var scored = classifier.Score(image);

        Assert.False(extractor.HasProbabilities);
        Assert.Empty(features.Probabilities);
        Assert.Equal(features.Features, scored.Features);
        Assert.Contains(features.Features, f => f > 0);
    }

    [Fact]
    public void Metadata_is_written_into_the_model()
    {
        var model = ClassifierModelComposer.Compose(
            BackboneFiles.InDirectory(), TestHeads.Random(HeadKind.Softmax, 2), new Dictionary<string, string> { ["version"] = "12" });
        using var classifier = OnnxClassifier.Load(model);

        Assert.Equal("12", classifier.Metadata["version"]);
    }

    [Fact]
    public void Garbage_bytes_are_refused_with_a_clear_error()
    {
        var error = Assert.Throws<InvalidDataException>(() => OnnxClassifier.Load(new byte[] { 1, 2, 3, 4, 5 }));
        Assert.Contains("ONNX Runtime", error.Message);
    }
}
