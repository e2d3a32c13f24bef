using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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

    /// <summary>The caller-visible buffer this operator reads.</summary>
    public float[] Buffer => _buffer;

    /// <summary>Channels when the copy is a plain NCHW -> NHWC transpose of float data, else 0.</summary>
    public int PlanarChannels => _planarChannels;

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

    /// <summary>
    /// Three planes (an RGB image) to interleaved pixels, 16 pixels per step: each 16-float output vector takes its
    /// elements from two of the planes with one two-source permute, then the third plane's with another.
    /// </summary>
    private static void Interleave3(ref float source, ref float destination, int pixels)
    {
        ref var r = ref source;
        ref var g = ref Unsafe.Add(ref source, pixels);
        ref var b = ref Unsafe.Add(ref source, 2 * pixels);
        var p = 0;
        for (; p + 16 <= pixels; p += 16)
        {
            var vr = Vector512.LoadUnsafe(ref r, (nuint)p);
            var vg = Vector512.LoadUnsafe(ref g, (nuint)p);
            var vb = Vector512.LoadUnsafe(ref b, (nuint)p);
            ref var d = ref Unsafe.Add(ref destination, p * 3);
            for (var k = 0; k < 3; k++)
            {
                // Output element j of vector k is plane (16k + j) % 3 at pixel (16k + j) / 3.
                var rg = Avx512F.PermuteVar16x32x2(vr, RedGreen[k], vg);
                Avx512F.PermuteVar16x32x2(rg, WithBlue[k], vb).StoreUnsafe(ref d, (nuint)(16 * k));
            }
        }

        for (; p < pixels; p++)
        {
            Unsafe.Add(ref destination, 3 * p) = Unsafe.Add(ref r, p);
            Unsafe.Add(ref destination, (3 * p) + 1) = Unsafe.Add(ref g, p);
            Unsafe.Add(ref destination, (3 * p) + 2) = Unsafe.Add(ref b, p);
        }
    }

    // Permute indices for Interleave3: first red (index i) and green (16 + i), then keep (index j) or take blue (16 + i).
    private static readonly Vector512<int>[] RedGreen = [Indices(0, first: true), Indices(1, first: true), Indices(2, first: true)];
    private static readonly Vector512<int>[] WithBlue = [Indices(0, first: false), Indices(1, first: false), Indices(2, first: false)];

    private static Vector512<int> Indices(int k, bool first)
    {
        var e = new int[16];
        for (var j = 0; j < 16; j++)
        {
            var o = (16 * k) + j;
            var (pixel, plane) = (o / 3, o % 3);
            e[j] = first ? (plane == 1 ? 16 + pixel : pixel) : (plane == 2 ? 16 + pixel : j);
        }

        return Vector512.Create(e);
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
        if (channels == 3 && Avx512F.IsSupported)
        {
            Interleave3(ref MemoryMarshal.GetReference(source), ref dst, pixels);
            return;
        }

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
