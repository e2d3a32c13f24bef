using EdgeMobileNet.Inference;
using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Cli;

/// <summary>A .npy tensor that is already the model's input: shape checked, then copied as is (no preprocessing).</summary>
internal static class TensorInput
{
    public static void Load(string path, ModelInputInfo input, Span<float> destination)
    {
        var array = Npy.Read(path);
        var expected = input.Shape;
        if (!SameShape(array.Shape, expected) && !SameShape(array.Shape, expected[1..]))
        {
            throw new EdgeMobileNetException(
                $"{path}: tensor shape {Format(array.Shape)} does not match model input '{input.Name}' {Format(expected)}");
        }

        if (array.Float32 is { } floats)
        {
            floats.AsSpan().CopyTo(destination);
        }
        else if (array.UInt8 is { } bytes && input.ElementKind == TensorElementKind.UInt8)
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                destination[i] = bytes[i];
            }
        }
        else
        {
            throw new EdgeMobileNetException($"{path}: a uint8 tensor fits only a uint8-input model; '{input.Name}' takes float32");
        }
    }

    private static bool SameShape(int[] a, int[] b) => a.AsSpan().SequenceEqual(b);

    private static string Format(int[] shape) => "[" + string.Join(',', shape) + "]";
}
