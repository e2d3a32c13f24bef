using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeMobileNet.ModelBuilder.Tests.Builder;

/// <summary>Runs a model held in memory with the real ONNX Runtime (1 thread, default optimisation).</summary>
internal sealed class OrtRunner : IDisposable
{
    private readonly SessionOptions _options = new() { IntraOpNumThreads = 1 };
    private readonly InferenceSession _session;

    public OrtRunner(byte[] model)
    {
        _session = new InferenceSession(model, _options);
        InputName = _session.InputMetadata.Keys.Single();
        InputShape = [.. _session.InputMetadata[InputName].Dimensions];
        OutputShape = [.. _session.OutputMetadata.Values.Single().Dimensions];
    }

    public string InputName { get; }

    public int[] InputShape { get; }

    public int[] OutputShape { get; }

    public float[] Run(float[] input)
    {
        var tensor = new DenseTensor<float>(input, InputShape);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(InputName, tensor)]);
        return results.Single().AsEnumerable<float>().ToArray();
    }

    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
    }
}
