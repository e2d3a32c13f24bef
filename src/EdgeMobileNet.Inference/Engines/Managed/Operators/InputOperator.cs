using EdgeMobileNet.Inference.Engines.Managed.Graph;
using EdgeMobileNet.Inference.Engines.Managed.Planning;

namespace EdgeMobileNet.Inference.Engines.Managed.Operators;

/// <summary>
/// Copies the caller's input buffer (model layout, row-major floats) into the arena in the internal layout, converting
/// to uint8 (round half to even, saturate) for uint8-input models.
/// </summary>
internal sealed class InputOperator : Operator
{
    private readonly float[] _buffer;
    private readonly int[] _map;

    public InputOperator(string name, float[] buffer, TensorSlot output, int[] map)
        : base(name, [], output)
    {
        _buffer = buffer;
        _map = map;
    }

    public override void Run(Arena arena)
    {
        if (Output!.Type == ElementType.Float32)
        {
            var dst = arena.Floats(Output);
            for (var i = 0; i < dst.Length; i++)
            {
                dst[i] = _buffer[_map[i]];
            }
        }
        else
        {
            var dst = arena.Bytes(Output);
            for (var i = 0; i < dst.Length; i++)
            {
                var v = _buffer[_map[i]];
                dst[i] = float.IsNaN(v) ? (byte)0 : (byte)Math.Clamp(MathF.Round(v, MidpointRounding.ToEven), 0f, 255f);
            }
        }
    }
}

/// <summary>Copies the model output from the arena to the caller-visible float buffer in logical row-major order.</summary>
internal sealed class OutputOperator : Operator
{
    private readonly float[] _buffer;
    private readonly int[] _map;

    public OutputOperator(string name, TensorSlot input, float[] buffer, int[] map)
        : base(name, [input], null)
    {
        _buffer = buffer;
        _map = map;
    }

    public override void Run(Arena arena)
    {
        var src = arena.Floats(Inputs[0]);
        for (var i = 0; i < _buffer.Length; i++)
        {
            _buffer[i] = src[_map[i]];
        }
    }
}
