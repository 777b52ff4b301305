using AllClassifier.Training.Onnx.Proto;
using Google.Protobuf;

namespace AllClassifier.Training.Quantization;

/// <summary>Reading and writing the initializer tensors the quantiser rewrites.</summary>
internal static class OnnxTensors
{
    public static float[] Floats(TensorProto tensor)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
        {
            throw new InvalidDataException($"The initializer '{tensor.Name}' is not float.");
        }

        return tensor.FloatData.Count > 0
            ? [.. tensor.FloatData]
            : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
    }

    public static void SetFloats(TensorProto tensor, float[] values)
    {
        tensor.ClearRawData();
        tensor.FloatData.Clear();
        tensor.FloatData.AddRange(values);
    }

    public static TensorProto Float(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values);
        return tensor;
    }

    public static TensorProto Bytes(string name, TensorProto.Types.DataType type, byte[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(values) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    public static TensorProto Int32(string name, int[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int32 };
        tensor.Dims.AddRange(dims);
        tensor.Int32Data.AddRange(values);
        return tensor;
    }
}
