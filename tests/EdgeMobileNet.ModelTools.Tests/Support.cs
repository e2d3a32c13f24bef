using EdgeMobileNet.Inference;
using EdgeMobileNet.Onnx;
using EdgeMobileNet.Tests.Common;
using EdgeMobileNet.Vision;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeMobileNet.ModelTools.Tests;

internal static class Verb
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = EdgeMobileNet.Program.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    public static string[] Lines(string text) => text.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Real inputs: the shared photos and dataset images through the ImageNet preprocessing.</summary>
internal static class Inputs
{
    public static IReadOnlyList<string> Photos() =>
        Directory.GetFiles(TestAssets.Images).Where(f => f.EndsWith(".jpg", StringComparison.Ordinal) || f.EndsWith(".jpeg", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();

    public static IReadOnlyList<string> Hymenoptera(int count) =>
        ModelTools.Quantization.ImageSet.Spread(ModelTools.Quantization.ImageSet.List(TestAssets.Require("datasets/hymenoptera"), "test"), count);

    public static float[] Tensor(string image, ModelInputInfo input)
    {
        var buffer = new float[input.ElementCount];
        new Preprocessor(input, PreprocessOptions.ImageNet).Run(ImageDecoder.Decode(image), buffer);
        return buffer;
    }

    public static string Write(OnnxModel model, string name)
    {
        var path = Path.Combine(TestAssets.NewTempDir(), name);
        OnnxWriter.Write(model, path);
        return path;
    }

    public static float[] Run(string model, string engine, float[] input)
    {
        using var c = ClassifierFactory.Create(model, new ClassifierOptions { Engine = engine });
        input.CopyTo(c.InputBuffer);
        return c.Run().ToArray();
    }
}

/// <summary>ONNX Runtime on a model in memory, returning every output it is asked for.</summary>
internal sealed class OrtSession : IDisposable
{
    private readonly SessionOptions _options = new() { IntraOpNumThreads = 1 };
    private readonly InferenceSession _session;

    public OrtSession(byte[] model)
    {
        _session = new InferenceSession(model, _options);
        InputName = _session.InputMetadata.Keys.Single();
    }

    public string InputName { get; }

    public Dictionary<string, float[]> Run(float[] input, int[] shape, params string[] outputs)
    {
        var tensor = new DenseTensor<float>(input, shape);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(InputName, tensor)], outputs.Length > 0 ? outputs : _session.OutputMetadata.Keys.ToArray());
        return results.ToDictionary(r => r.Name, r => r.AsEnumerable<float>().ToArray());
    }

    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
    }
}
