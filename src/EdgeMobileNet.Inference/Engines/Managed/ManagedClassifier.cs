using EdgeMobileNet.Inference.Engines.Managed.Execution;
using EdgeMobileNet.Inference.Engines.Managed.Graph;
using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Loading;
using EdgeMobileNet.Inference.Engines.Managed.Operators;
using EdgeMobileNet.Inference.Engines.Managed.Planning;
using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.Inference.Engines.Managed;

/// <summary>
/// The managed engine: our ONNX reader, a load-time planner (constant folding, fusion, NHWC, one activation arena) and
/// C# kernels. Integer models reproduce ONNX Runtime's CPU arithmetic (see docs/managed-engine.md).
/// </summary>
public sealed class ManagedClassifier : IClassifier, IModelMemoryInfo, IQuantizedInput
{
    private readonly ExecutionPlan _plan;

    private ManagedClassifier(ExecutionPlan plan, ModelInputInfo input, ModelOutputInfo output)
    {
        _plan = plan;
        Input = input;
        Output = output;
    }

    public string Engine => "managed";

    /// <summary>Intra-op threads (<see cref="ClassifierOptions.Threads"/>): the calling thread plus Threads - 1 workers
    /// that convolutions split their output across.</summary>
    public int Threads => _plan.Threads;

    public ModelInputInfo Input { get; }

    public ModelOutputInfo Output { get; }

    public Span<float> InputBuffer => _plan.Input;

    /// <summary>Bytes of the activation arena planned at load (every intermediate tensor lives in it).</summary>
    public long PeakActivationBytes => _plan.ArenaBytes;

    /// <summary>The arena the same model would need with every tensor whole (no row strips): the figure
    /// <see cref="PeakActivationBytes"/> is measured against.</summary>
    public long NaiveActivationBytes => _plan.NaiveArenaBytes;

    /// <summary>Bytes of constant data held by the operators (packed weights, biases, scales, tables, index maps).</summary>
    public long WeightsBytes => _plan.WeightBytes;

    /// <summary>Kernel implementation chosen at load ("scalar", ...).</summary>
    public string Kernels => _plan.Kernels;

    internal ExecutionPlan Plan => _plan;

    public static IClassifier Load(string modelPath, ClassifierOptions options) => LoadManaged(modelPath, options);

    /// <summary>Loads a model; every problem with the file is a <see cref="ModelLoadException"/> naming the cause.</summary>
    public static ManagedClassifier LoadManaged(string modelPath, ClassifierOptions options) =>
        LoadManaged(modelPath, options, PlanOptionsFromEnvironment());

    /// <summary>As <see cref="LoadManaged(string, ClassifierOptions)"/> with explicit planner choices (tests compare plans).</summary>
    internal static ManagedClassifier LoadManaged(string modelPath, ClassifierOptions options, PlanOptions plan)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Threads < 1)
        {
            throw new EdgeMobileNetException($"--threads must be at least 1, got {options.Threads}");
        }

        var kernels = KernelSelector.Select(options.Isa);
        if (!File.Exists(modelPath))
        {
            throw new ModelLoadException(modelPath, "file not found");
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(modelPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException(modelPath, $"cannot read the file ({ex.Message})", ex);
        }

        return Load(modelPath, bytes, kernels, plan, options.Threads);
    }

    internal static ManagedClassifier Load(string path, byte[] bytes, IConvKernels kernels) => Load(path, bytes, kernels, PlanOptions.Default);

    internal static ManagedClassifier Load(string path, byte[] bytes, IConvKernels kernels, PlanOptions planOptions, int threads = 1)
    {
        // The pool's threads start now; a load that fails stops them again.
        var pool = threads > 1 ? new WorkerPool(threads) : null;
        try
        {
            return Load(path, bytes, kernels, planOptions, pool);
        }
        catch
        {
            pool?.Dispose();
            throw;
        }
    }

    private static ManagedClassifier Load(string path, byte[] bytes, IConvKernels kernels, PlanOptions planOptions, WorkerPool? pool)
    {
        try
        {
            var model = OnnxReader.Read(bytes, path);
            var graph = OnnxGraphImporter.Import(path, model);
            ShapeInference.Run(graph);
            var plan = PlanBuilder.Build(graph, kernels, planOptions, pool);
            return new ManagedClassifier(plan, InputInfo(graph), OutputInfo(graph));
        }
        catch (ModelLoadException)
        {
            throw;
        }
        catch (Exception ex) when (ex is OnnxFormatException or FormatException or OverflowException or ArgumentException or InvalidOperationException or IndexOutOfRangeException or InvalidCastException or OutOfMemoryException or NotSupportedException or KeyNotFoundException)
        {
            // A malformed file can trip any check of the reader or planner; it is still the file's fault.
            throw new ModelLoadException(path, ex.Message, ex);
        }
    }

    public ReadOnlySpan<float> Run()
    {
        _plan.Run();
        return _plan.Output;
    }

    public bool HasQuantizedInput => _plan.Operators[0] is InputQuantizeOperator;

    public void QuantizeInput(ReadOnlySpan<float> values, Span<byte> destination) => InputQuantize.Quantize(values, destination);

    public Span<byte> QuantizedInputBuffer => _plan.Arena.Bytes(InputQuantize.Output!);

    public ReadOnlySpan<float> RunQuantized()
    {
        _ = InputQuantize;
        _plan.Run(first: 1);
        return _plan.Output;
    }

    private InputQuantizeOperator InputQuantize => _plan.Operators[0] as InputQuantizeOperator
        ?? throw new InvalidOperationException("the model has no quantised input stage (HasQuantizedInput is false): write InputBuffer and call Run");

    /// <summary>Stops the worker threads; the arena and weights are managed memory.</summary>
    public void Dispose() => _plan.Dispose();

    /// <summary>
    /// EDGEMOBILENET_STRIPS: "off" plans every tensor whole, a number forces that many rows per strip (comparing
    /// latency and memory from the command line); unset or empty keeps the defaults, anything else is refused.
    /// </summary>
    private static PlanOptions PlanOptionsFromEnvironment() =>
        Environment.GetEnvironmentVariable("EDGEMOBILENET_STRIPS") switch
        {
            null or "" => PlanOptions.Default,
            "off" => PlanOptions.Default with { Strips = false },
            { } v when int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var rows) && rows > 0
                => PlanOptions.Default with { StripRows = rows },
            { } v => throw new EdgeMobileNetException($"EDGEMOBILENET_STRIPS: '{v}' is neither 'off' nor a positive number of rows per strip"),
        };

    private static ModelInputInfo InputInfo(ModelGraph g)
    {
        var s = g.Input.Shape!;
        // NHWC when the last dim looks like channels and the second does not (Keras/TensorFlow exports).
        var nhwc = s[3] is 1 or 3 && s[1] is not (1 or 3);
        var kind = g.Input.Type == ElementType.UInt8 ? TensorElementKind.UInt8 : TensorElementKind.Float32;
        return nhwc
            ? new ModelInputInfo(g.Input.Name, TensorLayout.Nhwc, s[3], s[1], s[2], kind)
            : new ModelInputInfo(g.Input.Name, TensorLayout.Nchw, s[1], s[2], s[3], kind);
    }

    private static ModelOutputInfo OutputInfo(ModelGraph g)
    {
        var producer = g.Output.Producer;
        while (producer is { OpType: "Identity" or "Reshape" or "Flatten" or "Squeeze" })
        {
            producer = producer.Input(0)?.Producer;
        }

        return new ModelOutputInfo(g.Output.Name, (int)g.Output.ElementCount, producer?.OpType == "Softmax");
    }
}
