using System.Globalization;
using AllClassifier.Model;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Training.Onnx;
using AllClassifier.Model.Registry;
using AllClassifier.Training.Synthetic;
using Xunit.Abstractions;

namespace AllClassifier.Trainer.Tests.Pipeline;

[Collection(TrainedPipelineCollection.Name)]
public sealed class ClassActivationMapLocalizationTests(TrainedPipelineFixture fixture, ITestOutputHelper output)
{
    private const int PerClass = 40;
    private const int CellPixels = ImagePreprocessor.Size / ClassifierModelComposer.MapSize;

    [Fact]
    public void The_hottest_cell_of_the_predicted_class_lies_on_a_drawn_blast_in_at_least_90_percent_of_held_out_blast_smears()
    {
        Assert.True(fixture.RunExitCode == 0, fixture.RunOutput);
        var champion = new LocalModelRegistry(fixture.RegistryDirectory).Champion()!;
        Assert.Equal(ClassActivationMapVariant.Head, champion.Card.ClassActivationMap);
        using var classifier = OnnxClassifier.Load(champion.ModelPath, new ScorerOptions { IntraOpThreads = Environment.ProcessorCount });
        var generator = new SmearGenerator(seed: 31_337);
        var tensor = new float[ImagePreprocessor.TensorLength];
        var results = CellClasses.All.ToDictionary(cellClass => cellClass, cellClass => Measure(classifier, generator, cellClass, tensor));

        foreach (var (cellClass, result) in results)
        {
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{cellClass}: hottest cell on a drawn leukocyte in {result.Hits}/{PerClass} = {result.Hits / (double)PerClass:P1}; a random cell would be on one {result.Chance:P1} of the time"));
        }

        // Only the three blast classes have blasts drawn; hematogones (Benign) are reported above but not held to it.
        var blastHits = results.Where(pair => pair.Key != CellClass.Benign).Sum(pair => pair.Value.Hits);
        var blastImages = 3 * PerClass;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"blast classes: {blastHits}/{blastImages} = {blastHits / (double)blastImages:P1}"));
        Assert.True(blastHits >= 0.9 * blastImages, $"{blastHits}/{blastImages} hottest cells on a drawn blast");
        Assert.All(results.Values, result => Assert.True(result.Hits / (double)PerClass > result.Chance, "no better than a random cell"));
    }

    private static (int Hits, double Chance) Measure(OnnxClassifier classifier, SmearGenerator generator, CellClass cellClass, float[] tensor)
    {
        var hits = 0;
        double chance = 0;
        for (var i = 0; i < PerClass; i++)
        {
            using var smear = generator.Render(cellClass, i);
            ImagePreprocessor.WriteTensor(smear.Image, tensor);
            var explained = classifier.Explain(tensor);
            var map = explained.Map.ForClass(explained.PredictedClass);
            hits += OnLeukocyte(smear, Array.IndexOf(map, map.Max())) ? 1 : 0;
            chance += Enumerable.Range(0, map.Length).Count(cell => OnLeukocyte(smear, cell)) / (double)map.Length / PerClass;
        }

        return (hits, chance);
    }

    private static bool OnLeukocyte(SyntheticSmear smear, int cell)
    {
        var left = cell % ClassifierModelComposer.MapSize * CellPixels;
        var top = cell / ClassifierModelComposer.MapSize * CellPixels;
        return smear.Leukocytes.Any(leukocyte => leukocyte.Touches(left, top, left + CellPixels, top + CellPixels));
    }
}
