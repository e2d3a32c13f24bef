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
                    y[i] = Math.Clamp(x[i], _p0, _p1);
                }

                break;
            case UnaryKind.Sigmoid:
                for (var i = 0; i < y.Length; i++)
                {
                    y[i] = 1f / (1f + MathF.Exp(-x[i]));
                }

                break;
            case UnaryKind.HardSigmoid:
                for (var i = 0; i < y.Length; i++)
                {
                    y[i] = Math.Clamp((_p0 * x[i]) + _p1, 0f, 1f);
                }

                break;
            default:
                // HardSigmoid(alpha = 1/6, beta = 0.5) times x, with alpha as a float multiplier as ONNX defines it.
                for (var i = 0; i < y.Length; i++)
                {
                    var v = x[i];
                    y[i] = v * Math.Clamp((v * (1f / 6f)) + 0.5f, 0f, 1f);
                }

                break;
        }
    }
}
