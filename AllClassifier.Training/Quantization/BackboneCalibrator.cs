using AllClassifier.Training.Onnx;
using AllClassifier.Model.Onnx.Proto;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace AllClassifier.Training.Quantization;

/// <summary>
/// Measures the range of every activation the INT8 backbone quantises by running the prepared fp32 backbone over
/// calibration images (planar RGB 0..255 tensors, as served).
/// </summary>
public static class BackboneCalibrator
{
    public static ActivationRanges Calibrate(BackboneFiles backbone, IEnumerable<float[]> images, int intraOpThreads = 1)
    {
        var model = ClassifierModelComposer.ComposePreparedBackbone(backbone);
        var tensors = BackboneQuantizer.QuantizedActivations(model.Graph);
        foreach (var tensor in tensors)
        {
            model.Graph.Output.Add(new ValueInfoProto
            {
                Name = tensor,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        }

        using var options = new SessionOptions { IntraOpNumThreads = Math.Max(1, intraOpThreads), InterOpNumThreads = 1 };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        using var session = new InferenceSession(model.ToByteArray(), options);
        using var runOptions = new RunOptions();
        var ranges = tensors.ToDictionary(t => t, _ => new ValueRange(float.MaxValue, float.MinValue), StringComparer.Ordinal);
        var count = 0;
        foreach (var image in images)
        {
            using var input = OrtValue.CreateTensorValueFromMemory(image, [1, 3, 224, 224]);
            using var outputs = session.Run(runOptions, [ClassifierModelComposer.InputName], [input], tensors.ToArray());
            for (var i = 0; i < tensors.Count; i++)
            {
                var range = ranges[tensors[i]];
                foreach (var value in outputs[i].GetTensorDataAsSpan<float>())
                {
                    range = range.Including(value);
                }

                ranges[tensors[i]] = range;
            }

            count++;
        }

        if (count == 0)
        {
            throw new ArgumentException("Calibration needs at least one image.", nameof(images));
        }

        return new ActivationRanges(ranges);
    }
}
