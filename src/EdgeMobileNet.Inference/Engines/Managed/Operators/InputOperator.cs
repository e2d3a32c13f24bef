using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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

    /// <summary>Channels of a planar (NCHW) float image stored channels-last by a plain transpose, else 0.</summary>
    private readonly int _planarChannels;

    public InputOperator(string name, float[] buffer, TensorSlot output, int[] map)
        : base(name, [], output)
    {
        _buffer = buffer;
        _map = map;
        _planarChannels = output.Type == ElementType.Float32 && IsPlanarToChannelsLast(output, map) ? output.Shape[1] : 0;
    }

    public override void Run(Arena arena)
    {
        if (_planarChannels > 0)
        {
            PlanarToChannelsLast(_buffer, arena.Floats(Output!), _planarChannels);
            return;
        }

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

    /// <summary>True when the gather map is exactly the NCHW -> NHWC transpose of a one-image tensor.</summary>
    private static bool IsPlanarToChannelsLast(TensorSlot output, int[] map)
    {
        if (!output.ChannelsLast || output.Shape is not [1, var c, var h, var w] || map.Length != output.Length)
        {
            return false;
        }

        var pixels = h * w;
        for (var i = 0; i < map.Length; i++)
        {
            if (map[i] != ((i % c) * pixels) + (i / c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The transpose without the index map: one sequential read per channel plane, strided writes.</summary>
    private static void PlanarToChannelsLast(ReadOnlySpan<float> source, Span<float> destination, int channels)
    {
        var pixels = destination.Length / channels;
        if (source.Length < destination.Length)
        {
            throw new ArgumentException("input buffer shorter than the input tensor");
        }

        ref var dst = ref MemoryMarshal.GetReference(destination);
        for (var c = 0; c < channels; c++)
        {
            ref var plane = ref Unsafe.Add(ref MemoryMarshal.GetReference(source), c * pixels);
            ref var d = ref Unsafe.Add(ref dst, c);
            for (var p = 0; p < pixels; p++)
            {
                Unsafe.Add(ref d, p * channels) = Unsafe.Add(ref plane, p);
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
