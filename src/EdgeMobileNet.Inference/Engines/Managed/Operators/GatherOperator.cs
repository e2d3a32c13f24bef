using EdgeMobileNet.Inference.Engines.Managed.Graph;
using EdgeMobileNet.Inference.Engines.Managed.Planning;

namespace EdgeMobileNet.Inference.Engines.Managed.Operators;

/// <summary>Data movement by a load-time gather map (Transpose, Reshape, Flatten, Squeeze, Unsqueeze, Pad).</summary>
internal sealed class GatherOperator : Operator
{
    private readonly int[] _map;
    private readonly float _padFloat;
    private readonly byte _padByte;
    private readonly bool _identity;

    public GatherOperator(string name, TensorSlot input, TensorSlot output, int[] map, float padFloat = 0, byte padByte = 0)
        : base(name, [input], output)
    {
        _map = map;
        _padFloat = padFloat;
        _padByte = padByte;
        _identity = IndexMap.IsIdentity(map) && input.Length == output.Length;
    }

    public override long WeightBytes => _identity ? 0 : _map.Length * 4L;

    public override void Run(Arena arena)
    {
        if (Output!.Type == ElementType.Float32)
        {
            var src = arena.Floats(Inputs[0]);
            var dst = arena.Floats(Output);
            if (_identity)
            {
                src.CopyTo(dst);
                return;
            }

            for (var i = 0; i < dst.Length; i++)
            {
                var j = _map[i];
                dst[i] = j >= 0 ? src[j] : _padFloat;
            }
        }
        else
        {
            var src = arena.Bytes(Inputs[0]);
            var dst = arena.Bytes(Output);
            if (_identity)
            {
                src.CopyTo(dst);
                return;
            }

            for (var i = 0; i < dst.Length; i++)
            {
                var j = _map[i];
                dst[i] = j >= 0 ? src[j] : _padByte;
            }
        }
    }
}
