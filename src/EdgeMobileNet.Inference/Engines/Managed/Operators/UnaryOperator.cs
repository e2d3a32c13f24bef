using System.Runtime.CompilerServices;
using EdgeMobileNet.Inference.Engines.Managed.Planning;

namespace EdgeMobileNet.Inference.Engines.Managed.Operators;

internal enum UnaryKind
{
    Clip,
    Sigmoid,
    HardSigmoid,
    HardSwish,
}

/// <summary>Elementwise float activations not folded into a preceding conv (layout does not matter).</summary>
internal sealed class UnaryOperator : Operator
{
    private readonly UnaryKind _kind;
    private readonly float _p0;
    private readonly float _p1;

    /// <param name="p0">Clip: min; HardSigmoid: alpha.</param>
    /// <param name="p1">Clip: max; HardSigmoid: beta.</param>
    public UnaryOperator(string name, UnaryKind kind, float p0, float p1, TensorSlot input, TensorSlot output)
        : base(name, [input], output)
    {
        _kind = kind;
        _p0 = p0;
        _p1 = p1;
    }

    public override void Run(Arena arena)
    {
        var x = arena.Floats(Inputs[0]);
        var y = arena.Floats(Output!);
        switch (_kind)
        {
            case UnaryKind.Clip:
                for (var i = 0; i < y.Length; i++)
                {
                    y[i] = Evaluate(UnaryKind.Clip, _p0, _p1, x[i]);
                }

                break;
            case UnaryKind.Sigmoid:
                for (var i = 0; i < y.Length; i++)
                {
                    y[i] = Evaluate(UnaryKind.Sigmoid, _p0, _p1, x[i]);
                }

                break;
            case UnaryKind.HardSigmoid:
                for (var i = 0; i < y.Length; i++)
                {
                    y[i] = Evaluate(UnaryKind.HardSigmoid, _p0, _p1, x[i]);
                }

                break;
            default:
                for (var i = 0; i < y.Length; i++)
                {
                    y[i] = Evaluate(UnaryKind.HardSwish, _p0, _p1, x[i]);
                }

                break;
        }
    }

    /// <summary>
    /// The one definition of each activation's float arithmetic: the operator's loops and the int8 lookup tables built
    /// from DequantizeLinear -> activation -> QuantizeLinear both call it, so the two paths agree bit for bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Evaluate(UnaryKind kind, float p0, float p1, float v) => kind switch
    {
        UnaryKind.Clip => Math.Clamp(v, p0, p1),
        UnaryKind.Sigmoid => 1f / (1f + MathF.Exp(-v)),
        UnaryKind.HardSigmoid => Math.Clamp((p0 * v) + p1, 0f, 1f),

        // HardSigmoid(alpha = 1/6, beta = 0.5) times x, with alpha as a float multiplier as ONNX defines it.
        _ => v * Math.Clamp((v * (1f / 6f)) + 0.5f, 0f, 1f),
    };
}
