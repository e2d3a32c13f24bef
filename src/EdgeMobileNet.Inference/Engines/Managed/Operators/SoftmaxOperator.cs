using EdgeMobileNet.Inference.Engines.Managed.Planning;

namespace EdgeMobileNet.Inference.Engines.Managed.Operators;

/// <summary>Softmax over rows of a row-major tensor (the row length is the product of the reduced dims).</summary>
internal sealed class SoftmaxOperator : Operator
{
    private readonly int _row;

    public SoftmaxOperator(string name, int row, TensorSlot input, TensorSlot output)
        : base(name, [input], output)
    {
        _row = row;
    }

    public override void Run(Arena arena)
    {
        var x = arena.Floats(Inputs[0]);
        var y = arena.Floats(Output!);
        for (var start = 0; start + _row <= y.Length; start += _row)
        {
            var xs = x.Slice(start, _row);
            var ys = y.Slice(start, _row);
            var max = float.NegativeInfinity;
            foreach (var v in xs)
            {
                max = MathF.Max(max, v);
            }

            var sum = 0f;
            for (var i = 0; i < _row; i++)
            {
                ys[i] = MathF.Exp(xs[i] - max);
                sum += ys[i];
            }

            for (var i = 0; i < _row; i++)
            {
                ys[i] /= sum;
            }
        }
    }
}

/// <summary>y = x * scale[c] + shift[c] along one axis (a BatchNormalization that had no conv to fold into).</summary>
internal sealed class ChannelAffineOperator : Operator
{
    private readonly AxisParams _axis;
    private readonly float[] _shift;

    public ChannelAffineOperator(string name, AxisParams axis, float[] shift, TensorSlot input, TensorSlot output)
        : base(name, [input], output)
    {
        _axis = axis;
        _shift = shift;
    }

    public override long WeightBytes => (_axis.Scales.Length + _shift.Length) * 4L;

    public override void Run(Arena arena)
    {
        var x = arena.Floats(Inputs[0]);
        var y = arena.Floats(Output!);
        for (var i = 0; i < y.Length; i++)
        {
            var k = _axis.Index(i);
            y[i] = (x[i] * _axis.Scales[k]) + _shift[k];
        }
    }
}
