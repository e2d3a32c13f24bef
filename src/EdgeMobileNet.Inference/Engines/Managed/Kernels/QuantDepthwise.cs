using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels;

/// <summary>
/// The per-ISA part of the integer depthwise convolution (<see cref="QuantDepthwise{M, TConstants}"/>): its weight
/// layout and its inner loops. One struct per ISA (AVX-512, AVX2, NEON) holding the packed layer; the driver is
/// specialised for each, so the calls inline as if written out per ISA.
/// </summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
/// <typeparam name="TConstants">The interior path's requantisation constants (broadcast vectors).</typeparam>
internal interface IQuantDepthwiseMicroKernel<TSelf, TConstants>
    where TSelf : struct, IQuantDepthwiseMicroKernel<TSelf, TConstants>
    where TConstants : struct
{
    /// <summary>Packs one layer at load.</summary>
    static abstract TSelf Create(QuantConvParameters p);

    /// <summary>Bytes held by the packed layer (weights, bias, scales, scratch).</summary>
    long Bytes { get; }

    /// <summary>
    /// Channels of the narrowest block <see cref="Block"/> computes: a ragged channel end is one more block of this
    /// width ending at the last channel (its overlap is recomputed, same bytes); narrower layers run the reference.
    /// </summary>
    int Lanes { get; }

    /// <summary>
    /// Channels per group of the interior path (<see cref="Pair"/>, <see cref="One"/>), or 0 if the kernel has none:
    /// then every pixel takes <see cref="Block"/>.
    /// </summary>
    int InteriorGroup { get; }

    /// <summary>
    /// The constants <see cref="Pair"/> and <see cref="One"/> take: the driver keeps them in a local across an interior
    /// run, so they stay in registers (fields would be reloaded after every store, which might alias them).
    /// </summary>
    TConstants Constants { get; }

    /// <summary>Called once per pixel that is not interior, before its blocks.</summary>
    void BeginPixel(in ConvShape s, int ih0, int iw0);

    /// <summary>
    /// One output pixel from channel <paramref name="ch"/> on (at least <see cref="Lanes"/> of the
    /// <paramref name="remaining"/> channels); returns how many channels it computed.
    /// </summary>
    int Block(ref byte x, ref byte y, (int Origin, int First, int End) rows, (int Origin, int First, int End) columns, int outAt, int ch, int remaining);

    /// <summary>
    /// Two interior pixels (every tap inside the image; <paramref name="x0"/>, <paramref name="x1"/>: their top-left
    /// taps; <paramref name="y0"/>: the first one's output, the second follows), interior group <paramref name="g"/>
    /// starting at channel <paramref name="ch"/>.
    /// </summary>
    void Pair(ref byte x0, ref byte x1, ref byte y0, int g, int ch, TConstants k);

    /// <summary>One interior pixel, interior group <paramref name="g"/> starting at channel <paramref name="ch"/>.</summary>
    void One(ref byte x0, ref byte y0, int g, int ch, TConstants k);
}

/// <summary>Requantisation constants as broadcast vectors: float bounds and the output zero point.</summary>
internal readonly record struct RequantConstants<TFloat, TInt>(TFloat Lo, TFloat Hi, TInt ZeroPoint)
    where TFloat : struct
    where TInt : struct;

/// <summary>
/// Depthwise integer convolution (any kernel size, stride, padding, dilation), one driver for every ISA. NHWC keeps
/// channels innermost, so a tap is a vector of channels. The driver walks the output pixels; where the micro-kernel
/// has an interior path, the pixels whose taps are all inside the image go to it two at a time (one weight load for
/// both; an odd last one alone), group by group of channels; every other pixel goes block by block of channels to
/// <see cref="IQuantDepthwiseMicroKernel{TSelf, TConstants}.Block"/>, which skips the padded taps (or, on AVX-512's
/// paired path, reads them as the input zero point: an exact zero contribution). A ragged channel end is one more
/// block (or group) ending at the last channel. Layers narrower than the kernel's narrowest block run the scalar
/// reference. Integer accumulation is exact, so every micro-kernel gives the reference's bytes.
/// </summary>
internal sealed class QuantDepthwise<M, TConstants> : IQuantConvKernel
    where M : struct, IQuantDepthwiseMicroKernel<M, TConstants>
    where TConstants : struct
{
    private readonly ConvShape _s;
    private readonly QuantConvParameters? _narrow;
    private readonly int[] _accumulator;
    private readonly int _lanes;
    private readonly int _group;
    private readonly int _rowFirst;
    private readonly int _rowEnd;
    private readonly int _columnFirst;
    private readonly int _columnEnd;
    // Not readonly on purpose: M is a type parameter, so the compiler cannot see that its methods leave it unchanged,
    // and a call on a readonly field would copy the whole micro-kernel struct to the stack before every call.
    private M _m;

    public QuantDepthwise(QuantConvParameters p)
    {
        _s = p.Shape;
        _m = M.Create(p);
        _lanes = _m.Lanes;
        _group = _m.InteriorGroup;
        _narrow = p.Shape.OutC < _lanes ? p : null;
        _accumulator = _narrow is null ? [] : new int[p.Shape.OutC];
        if (_group > 0 && _narrow is null)
        {
            (_rowFirst, _rowEnd) = InteriorRange(p.Shape.OutH, o => p.Shape.RowTaps(o), p.Shape.KH);
            (_columnFirst, _columnEnd) = InteriorRange(p.Shape.OutW, o => p.Shape.ColumnTaps(o), p.Shape.KW);
        }
    }

    public long PackedBytes => _m.Bytes + (_accumulator.Length * 4L);

    public void Run(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var s = _s;
        if (input.Length < s.InputLength || output.Length < s.OutputLength)
        {
            throw new ArgumentException("input or output shorter than the convolution shape");
        }

        if (_narrow is { } q)
        {
            ScalarConvKernels.Instance.ConvQuant(s, input, q.InputZeroPoint, q.Weights, q.Bias.AsSpan(0, s.OutC), q.Scales, q.OutputZeroPoint, q.Min, q.Max, _accumulator, output);
            return;
        }

        var c = s.OutC;
        var lanes = _lanes;
        ref var x = ref MemoryMarshal.GetReference(input);
        ref var y = ref MemoryMarshal.GetReference(output);
        for (var oh = 0; oh < s.OutH; oh++)
        {
            var rows = s.RowTaps(oh);
            var rowInterior = oh >= _rowFirst && oh < _rowEnd && _columnEnd > _columnFirst;
            for (var ow = 0; ow < s.OutW; ow++)
            {
                var columns = s.ColumnTaps(ow);
                if (rowInterior && ow == _columnFirst)
                {
                    Interior(ref Unsafe.Add(ref x, ((rows.Origin * s.InW) + columns.Origin) * c), ref Unsafe.Add(ref y, ((oh * s.OutW) + ow) * c), _columnEnd - ow);
                    ow = _columnEnd - 1;
                    continue;
                }

                var outAt = ((oh * s.OutW) + ow) * c;
                _m.BeginPixel(s, rows.Origin, columns.Origin);
                for (var c0 = 0; c0 < c;)
                {
                    var ch = Math.Min(c0, c - lanes);
                    c0 = ch + _m.Block(ref x, ref y, rows, columns, outAt, ch, c - ch);
                }
            }
        }
    }

    /// <summary>
    /// <paramref name="count"/> consecutive interior output pixels of one row, every channel; <paramref name="x"/> is the
    /// first pixel's top-left input tap.
    /// </summary>
    private void Interior(ref byte x, ref byte y, int count)
    {
        var c = _s.OutC;
        var group = _group;
        var step = _s.StrideW * c;
        var k = _m.Constants;
        var i = 0;
        for (; i + 2 <= count; i += 2)
        {
            ref var x0 = ref Unsafe.Add(ref x, i * step);
            ref var y0 = ref Unsafe.Add(ref y, i * c);
            for (int c0 = 0, g = 0; c0 < c; c0 += group, g++)
            {
                _m.Pair(ref x0, ref Unsafe.Add(ref x0, step), ref y0, g, Math.Min(c0, c - group), k);
            }
        }

        if (i < count)
        {
            ref var x0 = ref Unsafe.Add(ref x, i * step);
            ref var y0 = ref Unsafe.Add(ref y, i * c);
            for (int c0 = 0, g = 0; c0 < c; c0 += group, g++)
            {
                _m.One(ref x0, ref y0, g, Math.Min(c0, c - group), k);
            }
        }
    }

    /// <summary>Output positions [First, End) along one axis whose taps all lie inside the image.</summary>
    private static (int First, int End) InteriorRange(int outLength, Func<int, (int Origin, int First, int End)> taps, int k)
    {
        bool Inside(int o) => taps(o) is { First: 0 } t && t.End == k;
        var first = 0;
        while (first < outLength && !Inside(first))
        {
            first++;
        }

        var end = first;
        while (end < outLength && Inside(end))
        {
            end++;
        }

        return (first, end);
    }
}
