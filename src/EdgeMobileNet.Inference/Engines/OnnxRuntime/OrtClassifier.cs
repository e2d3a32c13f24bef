using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using EdgeMobileNet.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeMobileNet.Inference.Engines.OnnxRuntime;

/// <summary>
/// The ONNX Runtime engine. Input and output tensors wrap arrays allocated at load, and every run goes through the
/// preallocated-output overload of <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue})"/>,
/// so a steady-state run allocates no tensors. ONNX Runtime's managed wrapper still allocates a few small handle
/// arrays per call (224 B per run measured in Release on x64), which is all `bench` reports for this engine.
/// </summary>
public sealed partial class OrtClassifier : IClassifier
{
    private readonly InferenceSession session;
    private readonly RunOptions runOptions;
    private readonly float[] input;
    private readonly byte[]? inputBytes; // uint8 models: the engine converts InputBuffer into this before each run
    private readonly float[] output;
    private readonly OrtValue inputValue;
    private readonly OrtValue outputValue;
    private readonly string[] inputNames;
    private readonly string[] outputNames;
    private readonly OrtValue[] inputValues;
    private readonly OrtValue[] outputValues;

    private OrtClassifier(InferenceSession session, int threads, ModelInputInfo inputInfo, ModelOutputInfo outputInfo, long[] outputShape)
    {
        this.session = session;
        Threads = threads;
        Input = inputInfo;
        Output = outputInfo;
        runOptions = new RunOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
        input = new float[inputInfo.ElementCount];
        output = new float[outputInfo.Classes];
        var inputShape = Array.ConvertAll(inputInfo.Shape, d => (long)d);
        if (inputInfo.ElementKind == TensorElementKind.UInt8)
        {
            inputBytes = new byte[inputInfo.ElementCount];
            inputValue = OrtValue.CreateTensorValueFromMemory(inputBytes, inputShape);
        }
        else
        {
            inputValue = OrtValue.CreateTensorValueFromMemory(input, inputShape);
        }

        outputValue = OrtValue.CreateTensorValueFromMemory(output, outputShape);
        inputNames = [inputInfo.Name];
        outputNames = [outputInfo.Name];
        inputValues = [inputValue];
        outputValues = [outputValue];
    }

    public string Engine => "ort";

    public int Threads { get; }

    public ModelInputInfo Input { get; }

    public ModelOutputInfo Output { get; }

    public Span<float> InputBuffer => input;

    /// <summary>True when ONNX Runtime's native library loads on this machine; otherwise why not.</summary>
    public static bool IsAvailable([NotNullWhen(false)] out string? reason)
    {
        var info = OrtRuntime.Probe();
        reason = info.Reason;
        return info.Available;
    }

    /// <summary>ONNX Runtime's version and execution providers, or why it cannot load.</summary>
    public static OrtRuntimeInfo RuntimeInfo() => OrtRuntime.Probe();

    /// <summary>Loads a model. Every failure is a <see cref="ModelLoadException"/> naming the file and the reason.</summary>
    public static OrtClassifier Load(string modelPath, ClassifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Threads < 1)
        {
            throw new EdgeMobileNetException($"--threads must be at least 1, got {options.Threads}");
        }

        if (!File.Exists(modelPath))
        {
            throw new ModelLoadException(modelPath, Directory.Exists(modelPath) ? "is a directory, not a model file" : "model file not found");
        }

        if (!IsAvailable(out var why))
        {
            throw new ModelLoadException(modelPath, $"ONNX Runtime is not available: {why}");
        }

        var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = options.Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
        };
        InferenceSession session;
        try
        {
            session = new InferenceSession(modelPath, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelLoadException(modelPath, $"not a loadable ONNX model ({Translate(e.Message, modelPath)})", e);
        }
        finally
        {
            sessionOptions.Dispose();
        }

        try
        {
            var inputInfo = DescribeInput(modelPath, session);
            var (outputInfo, outputShape) = DescribeOutput(modelPath, session);
            return new OrtClassifier(session, options.Threads, inputInfo, outputInfo, outputShape);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public ReadOnlySpan<float> Run()
    {
        if (inputBytes is not null)
        {
            for (var i = 0; i < input.Length; i++)
            {
                inputBytes[i] = (byte)Math.Clamp(MathF.Round(input[i]), 0f, 255f);
            }
        }

        session.Run(runOptions, inputNames, inputValues, outputNames, outputValues);
        return output;
    }

    public void Dispose()
    {
        inputValue.Dispose();
        outputValue.Dispose();
        runOptions.Dispose();
        session.Dispose();
    }

    private static ModelInputInfo DescribeInput(string path, InferenceSession session)
    {
        if (session.InputMetadata.Count != 1)
        {
            throw new ModelLoadException(path, $"expected one image input, the model has {session.InputMetadata.Count} ({string.Join(", ", session.InputMetadata.Keys)})");
        }

        var (name, meta) = session.InputMetadata.First();
        if (!meta.IsTensor)
        {
            throw new ModelLoadException(path, $"input '{name}' is a {meta.OnnxValueType}, not an image tensor");
        }

        var dims = meta.Dimensions;
        var shape = FormatShape(meta);
        if (dims.Length != 4)
        {
            throw new ModelLoadException(path, $"input '{name}' has shape {shape}; expected an image tensor of rank 4 (NCHW or NHWC)");
        }

        // Batch may be symbolic (-1); we always run one image.
        if (dims[0] is not (1 or -1))
        {
            throw new ModelLoadException(path, $"input '{name}' has shape {shape}; batch must be 1 or symbolic");
        }

        TensorLayout layout;
        int channels, height, width;
        if (dims[1] is 1 or 3)
        {
            (layout, channels, height, width) = (TensorLayout.Nchw, dims[1], dims[2], dims[3]);
        }
        else if (dims[3] is 1 or 3)
        {
            (layout, channels, height, width) = (TensorLayout.Nhwc, dims[3], dims[1], dims[2]);
        }
        else
        {
            throw new ModelLoadException(path, $"input '{name}' has shape {shape}; expected 1 or 3 channels at dimension 1 (NCHW) or 3 (NHWC)");
        }

        if (height < 1 || width < 1)
        {
            throw new ModelLoadException(path, $"input '{name}' has shape {shape}; height and width must be fixed");
        }

        var kind = meta.ElementDataType switch
        {
            TensorElementType.Float => TensorElementKind.Float32,
            TensorElementType.UInt8 => TensorElementKind.UInt8,
            var other => throw new ModelLoadException(path, $"input '{name}' has element type {other}; expected float32 or uint8"),
        };
        return new ModelInputInfo(name, layout, channels, height, width, kind);
    }

    private static (ModelOutputInfo Info, long[] Shape) DescribeOutput(string path, InferenceSession session)
    {
        // A classifier's first output is its class vector; later outputs (if any) are ignored.
        var (name, meta) = session.OutputMetadata.First();
        var shape = FormatShape(meta);
        if (!meta.IsTensor || meta.ElementDataType != TensorElementType.Float)
        {
            throw new ModelLoadException(path, $"output '{name}' must be a float32 tensor [1,K] or [K]");
        }

        var dims = meta.Dimensions;
        long[] runShape;
        int classes;
        if (dims.Length == 2 && dims[0] is 1 or -1 && dims[1] > 0)
        {
            (classes, runShape) = (dims[1], [1, dims[1]]);
        }
        else if (dims.Length == 1 && dims[0] > 0)
        {
            (classes, runShape) = (dims[0], [dims[0]]);
        }
        else
        {
            throw new ModelLoadException(path, $"output '{name}' has shape {shape}; expected [1,K] or [K] with a fixed class count K");
        }

        bool isProbability;
        try
        {
            isProbability = OnnxGraphScan.Read(path).IsSoftmaxOutput(name);
        }
        catch (OnnxFormatException e)
        {
            throw new ModelLoadException(path, $"cannot read the graph: {OrtRuntime.OneLine(e.Message)}", e);
        }

        return (new ModelOutputInfo(name, classes, isProbability), runShape);
    }

    private static string FormatShape(NodeMetadata meta)
    {
        if (!meta.IsTensor)
        {
            return "(not a tensor)";
        }

        var parts = new string[meta.Dimensions.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = meta.Dimensions[i] >= 0 ? meta.Dimensions[i].ToString(System.Globalization.CultureInfo.InvariantCulture)
                : meta.SymbolicDimensions.Length > i && meta.SymbolicDimensions[i] is { Length: > 0 } s ? s : "?";
        }

        return "[" + string.Join(',', parts) + "]";
    }

    /// <summary>ONNX Runtime's message minus its error-code prefix and the repeated path, on one line.</summary>
    private static string Translate(string message, string path)
    {
        var text = OrtRuntime.OneLine(ErrorCodePrefix().Replace(message, ""));
        text = text.Replace($"Load model from {path} failed:", "", StringComparison.Ordinal).Trim();
        return text.Length == 0 ? "ONNX Runtime rejected it" : text;
    }

    [GeneratedRegex(@"^\s*\[ErrorCode:[^\]]*\]\s*")]
    private static partial Regex ErrorCodePrefix();
}
