using AllClassifier.Api.Tests.Durability;
using AllClassifier.Api.Tests.Infrastructure;
using AllClassifier.Model;
using AllClassifier.Model.Imaging;
using AllClassifier.Model.Inference;
using AllClassifier.Testing;
using AllClassifier.Training.Onnx;
using AllClassifier.Training.Quantization;
using AllClassifier.Training.Synthetic;

namespace AllClassifier.Api.Tests.Serving;

/// <summary>
/// A new replica takes traffic only once its model is warmed, and serves an INT8 model's first convolution in the form
/// its CPU computes best. A real process: readiness is what a probe sees from outside, from the first moment.
/// </summary>
public sealed class ReadinessTests : IDisposable
{
    private const int Warmup = 24;

    private readonly string _root = Directory.CreateTempSubdirectory("allclassifier-ready-").FullName;

    [Fact]
    public async Task Ready_answers_only_once_the_model_is_warmed_and_names_the_first_convolution_form_for_this_cpu()
    {
        var registry = Path.Combine(_root, "registry");
        TestModels.Register(registry, Int8Model());
        var settings = new Dictionary<string, string>
        {
            ["MODEL_REGISTRY_DIR"] = registry,
            ["FEEDBACK_DIR"] = Path.Combine(_root, "feedback"),
            ["ModelServing__WarmupInferences"] = Warmup.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await using var api = await ApiProcess.StartAsync(settings, CancellationToken.None);

        // The first answer that says ready must come from a model whose sessions had all run the warm-up.
        await Poll.UntilAsync(async () => (await api.Http.GetAsync("/ready")).IsSuccessStatusCode, "the API to report ready");
        var serving = (await ApiAssert.OkJsonAsync(await api.Http.GetAsync("/model"))).GetProperty("serving");
        Assert.Equal(Warmup, serving.GetProperty("warmup_inferences").GetInt32());

        var expected = CpuFeatures.Current.HasVnni ? FirstConvolutionForm.Int8 : FirstConvolutionForm.Uint8;
        Assert.Equal(expected, serving.GetProperty("first_convolution_form").GetString());
        Assert.Equal([FirstConvolutionForm.Uint8, FirstConvolutionForm.Int8], serving.GetProperty("first_convolution_forms").EnumerateArray().Select(f => f.GetString()));
        Assert.Contains(CpuFeatures.Current.HasVnni ? "has VNNI" : "has no VNNI", serving.GetProperty("reason").GetString());
        await Poll.UntilAsync(() => api.Output.Contains($"first convolution {expected}", StringComparison.Ordinal), "the startup log to name the form");
        await ApiAssert.OkJsonAsync(await api.Http.PostAsync("/predict", Forms.Image(TestImages.Jpeg(seed: 4))));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static byte[] Int8Model()
    {
        var generator = new SmearGenerator(seed: 11);
        var preprocessor = new ImagePreprocessor();
        var smears = Enumerable.Range(0, 4).Select(i => preprocessor.ToTensor(generator.GenerateJpeg(CellClasses.All[i % CellClasses.All.Count], i)));
        var ranges = BackboneCalibrator.Calibrate(BackboneFiles.InDirectory(), smears);
        return ClassifierModelComposer.Compose(BackboneFiles.InDirectory(), TestModels.RandomHead(seed: 2), int8Backbone: ranges);
    }
}
