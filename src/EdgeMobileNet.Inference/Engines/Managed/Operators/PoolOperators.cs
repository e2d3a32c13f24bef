using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Planning;

namespace EdgeMobileNet.Inference.Engines.Managed.Operators;

/// <summary>GlobalAveragePool / ReduceMean over H and W of an NHWC tensor: sum per channel, then divide.</summary>
internal sealed class GlobalAveragePoolOperator : Operator
{
    private readonly int _pixels;
    private readonly int _channels;
    private readonly float[]? _lanes;

    /// <param name="mlasOrder">Sum in MLAS's global pooling order (ONNX Runtime's float GlobalAveragePool): four
    /// running sums over pixels p = 4i + j, reduced as (s0 + s2) + (s1 + s3), the last pixels (count mod 4) added one
    /// by one, then divided by the pixel count. Otherwise one running sum in pixel order (ReduceMean).</param>
    public GlobalAveragePoolOperator(string name, int pixels, int channels, TensorSlot input, TensorSlot output, bool mlasOrder = false)
        : base(name, [input], output)
    {
        _pixels = pixels;
        _channels = channels;
        _lanes = mlasOrder ? new float[4 * channels] : null;
    }

    public override void Run(Arena arena)
    {
        var x = arena.Floats(Inputs[0]);
        var y = arena.Floats(Output!)[.._channels];
        var c = _channels;
        var p = 0;
        y.Clear();
        if (_lanes is { } lanes && _pixels >= 4)
        {
            Span<float> s0 = lanes.AsSpan(0, c), s1 = lanes.AsSpan(c, c), s2 = lanes.AsSpan(2 * c, c), s3 = lanes.AsSpan(3 * c, c);
            lanes.AsSpan().Clear();
            for (; p + 4 <= _pixels; p += 4)
            {
                TensorPrimitives.Add(s0, x.Slice(p * c, c), s0);
                TensorPrimitives.Add(s1, x.Slice((p + 1) * c, c), s1);
                TensorPrimitives.Add(s2, x.Slice((p + 2) * c, c), s2);
                TensorPrimitives.Add(s3, x.Slice((p + 3) * c, c), s3);
            }

            TensorPrimitives.Add(s0, s2, s0);
            TensorPrimitives.Add(s1, s3, s1);
            TensorPrimitives.Add(s0, s1, y);
        }

        for (; p < _pixels; p++)
        {
            TensorPrimitives.Add(y, x.Slice(p * c, c), y);
        }

        TensorPrimitives.Divide(y, (float)_pixels, y);
    }
}

/// <summary>
/// QLinearGlobalAveragePool in ONNX Runtime's x86 arithmetic: integer sum minus zp_in * pixels, times
/// scale_in / (scale_out * pixels) in fp32, clamp, round half to even, + zp_out.
/// </summary>
internal sealed class QGlobalAveragePoolOperator : Operator
{
    private readonly int _pixels;
    private readonly int _channels;
    private readonly QuantParams _in;
    private readonly QuantParams _out;
    private readonly float _scale;
    private readonly int[] _sums;

    public QGlobalAveragePoolOperator(string name, int pixels, int channels, QuantParams input, QuantParams output, TensorSlot x, TensorSlot y)
        : base(name, [x], y)
    {
        _pixels = pixels;
        _channels = channels;
        _in = input;
        _out = output;
        _scale = input.Scale / (output.Scale * pixels);
        _sums = new int[channels];
    }

    public override void Run(Arena arena)
    {
        var x = arena.Bytes(Inputs[0]);
        var y = arena.Bytes(Output!);
        var bias = -_in.ZeroPoint * _pixels;
        Array.Fill(_sums, bias);
        for (var p = 0; p < _pixels; p++)
        {
            AddRow(x.Slice(p * _channels, _channels), _sums);
        }

        for (var c = 0; c < _channels; c++)
        {
            y[c] = Requantization.Requantize(_sums[c], _scale, _out.ZeroPoint, 0, 255);
        }
    }

    /// <summary>sums[c] += row[c]; integer sums are exact in any order, so the widest vectors available are used.</summary>
    private static void AddRow(ReadOnlySpan<byte> row, Span<int> sums)
    {
        ref var x = ref MemoryMarshal.GetReference(row);
        ref var s = ref MemoryMarshal.GetReference(sums);
        var c = 0;
        if (Avx512F.IsSupported)
        {
            for (; c + 16 <= row.Length; c += 16)
            {
                (Vector512.LoadUnsafe(ref s, (nuint)c) + Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref x, (nuint)c))).StoreUnsafe(ref s, (nuint)c);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; c + 16 <= row.Length; c += 16)
            {
                var (lo, hi) = Vector128.Widen(Vector128.LoadUnsafe(ref x, (nuint)c));
                var (a, b) = Vector128.Widen(lo);
                var (d, e) = Vector128.Widen(hi);
                (Vector128.LoadUnsafe(ref s, (nuint)c) + a.AsInt32()).StoreUnsafe(ref s, (nuint)c);
                (Vector128.LoadUnsafe(ref s, (nuint)(c + 4)) + b.AsInt32()).StoreUnsafe(ref s, (nuint)(c + 4));
                (Vector128.LoadUnsafe(ref s, (nuint)(c + 8)) + d.AsInt32()).StoreUnsafe(ref s, (nuint)(c + 8));
                (Vector128.LoadUnsafe(ref s, (nuint)(c + 12)) + e.AsInt32()).StoreUnsafe(ref s, (nuint)(c + 12));
            }
        }

        for (; c < row.Length; c++)
        {
            sums[c] += row[c];
        }
    }
}

/// <summary>AveragePool over NHWC (count_include_pad as the attribute says).</summary>
internal sealed class AveragePoolOperator : Operator
{
    private readonly ConvShape _s;
    private readonly bool _countIncludePad;

    public AveragePoolOperator(string name, ConvShape shape, bool countIncludePad, TensorSlot input, TensorSlot output)
        : base(name, [input], output)
    {
        _s = shape;
        _countIncludePad = countIncludePad;
    }

    public override void Run(Arena arena)
    {
        var x = arena.Floats(Inputs[0]);
        var y = arena.Floats(Output!);
        var c = _s.InC;
        for (var oh = 0; oh < _s.OutH; oh++)
        {
            for (var ow = 0; ow < _s.OutW; ow++)
            {
                var acc = y.Slice(((oh * _s.OutW) + ow) * c, c);
                acc.Clear();
                var count = 0;
                for (var kh = 0; kh < _s.KH; kh++)
                {
                    var ih = (oh * _s.StrideH) - _s.PadTop + kh;
                    for (var kw = 0; kw < _s.KW; kw++)
                    {
                        var iw = (ow * _s.StrideW) - _s.PadLeft + kw;
                        if ((uint)ih >= (uint)_s.InH || (uint)iw >= (uint)_s.InW)
                        {
                            continue;
                        }

                        count++;
                        var row = x.Slice(((ih * _s.InW) + iw) * c, c);
                        for (var k = 0; k < c; k++)
                        {
                            acc[k] += row[k];
                        }
                    }
                }

                // Without ceil_mode every window lies inside the padded input, so including padding means the full window.
                var div = _countIncludePad ? _s.KH * _s.KW : Math.Max(count, 1);
                for (var k = 0; k < c; k++)
                {
                    acc[k] /= div;
                }
            }
        }
    }
}
