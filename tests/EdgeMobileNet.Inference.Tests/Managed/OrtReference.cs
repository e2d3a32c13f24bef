using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeMobileNet.Inference.Tests.Managed;

/// <summary>The real ONNX Runtime as the reference: default graph optimisation (ORT_ENABLE_ALL), one intra-op thread.</summary>
internal sealed class OrtReference : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _input;
    private readonly int[] _shape;

    public OrtReference(string modelPath)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        _session = new InferenceSession(modelPath, options);
        var meta = _session.InputMetadata.First();
        _input = meta.Key;
        _shape = meta.Value.Dimensions.Select(d => d < 1 ? 1 : d).ToArray();
    }

    public float[] Run(float[] input)
    {
        var tensor = new DenseTensor<float>(input, _shape);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(_input, tensor)]);
        return results.First().AsEnumerable<float>().ToArray();
    }

    public void Dispose() => _session.Dispose();
}
