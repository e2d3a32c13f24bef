using EdgeMobileNet.Inference.Engines.Managed.Graph;
using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Loading;
using EdgeMobileNet.Inference.Engines.Managed.Operators;
using EdgeMobileNet.Inference.Engines.Managed.Planning;
using EdgeMobileNet.Onnx;

namespace EdgeMobileNet.Inference.Engines.Managed;

/// <summary>
/// Runs a float model with the managed engine and hands every graph output after the first (the class vector) to the
/// caller as soon as the operator producing it has run: the intermediate activations a quantiser calibrates on. The
/// caller declares the values it wants as extra graph outputs (graph surgery on the ONNX object model); a value a
/// fused operator would hide must be kept visible by giving it a second consumer (an Identity node whose output is the
/// declared graph output). Values reach the callback in the arena's storage order (channels-last for rank 4), which
/// per-tensor statistics do not depend on.
/// </summary>
public sealed class ManagedValueRecorder : IDisposable
{
    private readonly ExecutionPlan _plan;
    private readonly Dictionary<string, int> _index;
    private readonly int[][] _shapes;
    private Action<int, ReadOnlySpan<float>>? _observer;

    private ManagedValueRecorder(ExecutionPlan plan, ModelInputInfo input, IReadOnlyList<string> names, Dictionary<string, int> index, int[][] shapes)
    {
        _plan = plan;
        Input = input;
        Values = names;
        _index = index;
        _shapes = shapes;
    }

    public ModelInputInfo Input { get; }

    /// <summary>The recorded values: the model's graph outputs after the first, in declaration order.</summary>
    public IReadOnlyList<string> Values { get; }

    public Span<float> InputBuffer => _plan.Input;

    /// <summary>Logical shape of recorded value <paramref name="index"/>.</summary>
    public int[] Shape(int index) => _shapes[index];

    /// <summary>Plans <paramref name="model"/> (row strips off, so every value is whole when it is produced).</summary>
    public static ManagedValueRecorder Load(string nameForErrors, OnnxModel model, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        var pool = threads > 1 ? new Execution.WorkerPool(threads) : null;
        try
        {
            var graph = OnnxGraphImporter.Import(nameForErrors, model);
            ShapeInference.Run(graph);
            var plan = PlanBuilder.Build(graph, KernelSelector.Select(null), PlanOptions.Default with { Strips = false }, pool);

            // A declared value produced by an Identity lives in its source's slot (Identity emits no operator).
            var producers = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
            foreach (var n in model.Graph.Nodes)
            {
                foreach (var o in n.Outputs)
                {
                    producers[o] = n;
                }
            }

            var names = model.Graph.Outputs.Skip(1).Select(o => o.Name).ToList();
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            var shapes = new int[names.Count][];
            for (var i = 0; i < names.Count; i++)
            {
                var source = names[i];
                while (producers.TryGetValue(source, out var p) && p.OpType is "Identity" && p.Domain.Length == 0)
                {
                    source = p.Inputs[0];
                }

                index.TryAdd(source, i);
                shapes[i] = graph.Values.TryGetValue(names[i], out var v) && v.Shape is { } s ? s : [];
            }

            var recorder = new ManagedValueRecorder(plan, InputInfo(graph), names, index, shapes);
            var seen = plan.Operators.Select(o => o.Output).OfType<TensorSlot>().Where(s => s.Type == ElementType.Float32).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
            seen.Add(graph.Input.Name);
            foreach (var (name, i) in index)
            {
                if (!seen.Contains(name))
                {
                    throw new ModelLoadException(nameForErrors, $"value '{names[i]}' is not a float tensor the managed engine materialises");
                }
            }

            return recorder;
        }
        catch (ModelLoadException)
        {
            pool?.Dispose();
            throw;
        }
        catch (Exception ex) when (ex is OnnxFormatException or FormatException or ArgumentException or InvalidOperationException or NotSupportedException or KeyNotFoundException or IndexOutOfRangeException)
        {
            pool?.Dispose();
            throw new ModelLoadException(nameForErrors, ex.Message, ex);
        }
    }

    /// <summary>Runs the model on <see cref="InputBuffer"/>; <paramref name="observe"/> gets (value index, data)
    /// for every recorded value, valid only during the call. Returns the first graph output.</summary>
    public ReadOnlySpan<float> Run(Action<int, ReadOnlySpan<float>> observe)
    {
        _observer = observe;
        try
        {
            _plan.Run(After);
        }
        finally
        {
            _observer = null;
        }

        return _plan.Output;
    }

    public void Dispose() => _plan.Dispose();

    private void After(Operator op)
    {
        var slot = op.Output;
        if (slot is { Type: ElementType.Float32 } && _index.TryGetValue(slot.Name, out var i))
        {
            _observer!(i, _plan.Arena.Floats(slot));
        }
    }

    private static ModelInputInfo InputInfo(ModelGraph g)
    {
        var s = g.Input.Shape!;
        var nhwc = s[3] is 1 or 3 && s[1] is not (1 or 3);
        var kind = g.Input.Type == ElementType.UInt8 ? TensorElementKind.UInt8 : TensorElementKind.Float32;
        return nhwc
            ? new ModelInputInfo(g.Input.Name, TensorLayout.Nhwc, s[3], s[1], s[2], kind)
            : new ModelInputInfo(g.Input.Name, TensorLayout.Nchw, s[1], s[2], s[3], kind);
    }
}
