namespace AllClassifier.Training.Onnx;

/// <summary>
/// Where the pretrained ResNet18 files shipped by the Microsoft.ML.DnnImageFeaturizer.ResNet18 package are:
/// its build props copy them next to the application under <c>DnnImageModels/</c>.
/// </summary>
public sealed record BackboneFiles(string PreprocessPath, string ResNet18Path)
{
    public static BackboneFiles InDirectory(string? baseDirectory = null)
    {
        var root = Path.Combine(baseDirectory ?? AppContext.BaseDirectory, "DnnImageModels");
        var files = new BackboneFiles(
            Path.Combine(root, "ResNetPrepOnnx", "ResNetPreprocess.onnx"),
            Path.Combine(root, "ResNet18Onnx", "ResNet18.onnx"));
        foreach (var path in new[] { files.PreprocessPath, files.ResNet18Path })
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(
                    $"The ResNet18 backbone file '{path}' is missing; it is copied at build time from the Microsoft.ML.DnnImageFeaturizer.ResNet18 package.",
                    path);
            }
        }

        return files;
    }
}
