using EdgeMobileNet.Inference.Engines.Managed.Planning;

namespace EdgeMobileNet.Inference.Engines.Managed.Operators;

/// <summary>
/// One step of an execution plan. Everything an operator needs (packed weights, index maps, scratch) is built at load;
/// <see cref="Run"/> only reads and writes arena slots and allocates nothing.
/// </summary>
internal abstract class Operator
{
    protected Operator(string name, TensorSlot[] inputs, TensorSlot? output)
    {
        Name = name;
        Inputs = inputs;
        Output = output;
    }

    /// <summary>The ONNX node(s) this step implements, for diagnostics.</summary>
    public string Name { get; }

    public TensorSlot[] Inputs { get; }

    public TensorSlot? Output { get; }

    /// <summary>Arena buffers used only while this operator runs (row strips of a fused block).</summary>
    public virtual TensorSlot[] Scratch => [];

    /// <summary>Bytes of constant data (weights, tables) the operator holds.</summary>
    public virtual long WeightBytes => 0;

    public abstract void Run(Arena arena);

    public override string ToString() => $"{GetType().Name} {Name}";
}
