using System.Runtime.CompilerServices;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels;

/// <summary>
/// The per-ISA part of the integer GEMM (<see cref="QuantGemm{M, TRow}"/>): its weight layout, its row format and
/// its register tiles with their requantising epilogue. One struct per ISA (AVX2, AVX-512, NEON, SDOT) holding the
/// packed layer; the driver is specialised for each, so the calls inline as if written out per ISA.
/// </summary>
/// <typeparam name="TSelf">The implementing struct.</typeparam>
/// <typeparam name="TRow">One K value of an input row: int16 centred values, or int8 with the top bit flipped.</typeparam>
internal interface IQuantGemmMicroKernel<TSelf, TRow>
    where TSelf : struct, IQuantGemmMicroKernel<TSelf, TRow>
    where TRow : unmanaged
{
    /// <summary>Output channels per packed weight panel.</summary>
    static abstract int BlockWidth { get; }

    /// <summary>The most pixels one tile takes; chunks of rows are a multiple of it.</summary>
    static abstract int MaxRows { get; }

    /// <summary>Row length for a reduction of <paramref name="k"/> values (K padded to the kernel's step with zeros).</summary>
    static abstract int PadK(int k);

    /// <summary>Packs one layer at load: weights in the kernel's layout, bias and scales padded to whole blocks.</summary>
    static abstract TSelf Create(QuantConvParameters p, int k, int kp, int blocks);

    /// <summary>Pointwise input bytes to the row format, back to back; slots past <paramref name="x"/> are zeroed.</summary>
    static abstract void Centre(ReadOnlySpan<byte> x, int zeroPoint, Span<TRow> row);

    /// <summary>Bytes held by the packed layer (weights, bias, scales, scratch).</summary>
    long Bytes { get; }

    /// <summary>One output pixel's receptive field as a row; <paramref name="row"/> runs to the end of the buffer.</summary>
    void Gather(in ConvShape s, ReadOnlySpan<byte> input, int zeroPoint, int pixel, Span<TRow> row);

    /// <summary>Pixels per tile in the block starting at channel <paramref name="c"/>.</summary>
    int TileRows(int c);

    /// <summary><see cref="TileRows"/> pixels (rows <paramref name="kp"/> apart) x one block, requantised into
    /// <paramref name="output"/> from <paramref name="outAt"/> (pixel stride: the layer's output channels).</summary>
    void Tile(ref TRow rows, int kp, int c, Span<byte> output, int outAt);

    /// <summary>One pixel x one block.</summary>
    void One(ref TRow row, int kp, int c, Span<byte> output, int outAt);
}

/// <summary>
/// Group-1 integer convolution as a GEMM over output pixels (1x1 convs, the stem and other group-1 convs through a
/// patch gather, fully connected layers), one driver for every ISA: it turns a chunk of output pixels into input rows
/// (64 KiB at most, so a weight panel is read once per chunk and stays in cache with them), then walks the blocks of
/// output channels block-outer and the chunk in tiles of the micro-kernel's height. Leftover pixels of a chunk with at
/// least one whole tile run as one more tile ending at the chunk's last pixel (the recomputed pixels store the same
/// bytes again); smaller chunks run pixel by pixel. Integer accumulation is exact, so every micro-kernel gives the
/// reference's bytes.
/// </summary>
internal sealed class QuantGemm<M, TRow> : IQuantConvKernel
    where M : struct, IQuantGemmMicroKernel<M, TRow>
    where TRow : unmanaged
{
    private const int ChunkBytes = 65536;

    private readonly ConvShape _s;
    private readonly bool _pointwise;
    private readonly int _k;
    private readonly int _kp;
    private readonly int _blocks;
    private readonly int _inputZeroPoint;
    private readonly int _chunk;
    private readonly TRow[] _rows;
    // Not readonly on purpose: M is a type parameter, so the compiler cannot see that its methods leave it unchanged,
    // and a call on a readonly field would copy the whole micro-kernel struct to the stack before every tile.
    private M _m;

    public QuantGemm(QuantConvParameters p)
    {
        _s = p.Shape;
        _pointwise = QuantGemmPacking.IsPointwise(p.Shape);
        _k = p.Shape.KH * p.Shape.KW * p.Shape.InC;
        _kp = M.PadK(_k);
        _blocks = QuantGemmPacking.Blocks(p.Shape.OutC, M.BlockWidth);
        _inputZeroPoint = p.InputZeroPoint;
        _m = M.Create(p, _k, _kp, _blocks);
        var m = p.Shape.OutH * p.Shape.OutW;
        _chunk = Math.Min(m, Math.Max(M.MaxRows, ChunkBytes / (_kp * Unsafe.SizeOf<TRow>()) / M.MaxRows * M.MaxRows));

        // A spare row: a gather may write whole vectors from a kernel row's start past the row's real end.
        _rows = new TRow[(_chunk * _kp) + Math.Max(_kp, 16)];
    }

    public long PackedBytes => _m.Bytes + ((long)_rows.Length * Unsafe.SizeOf<TRow>());

    public void Run(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (input.Length < _s.InputLength || output.Length < _s.OutputLength)
        {
            throw new ArgumentException("input or output shorter than the convolution shape");
        }

        var m = _s.OutH * _s.OutW;
        var n = _s.OutC;
        var kp = _kp;
        for (var c0 = 0; c0 < m; c0 += _chunk)
        {
            var rows = Math.Min(_chunk, m - c0);
            if (_pointwise && kp == _k)
            {
                // Unpadded rows are back to back in the input too: one pass over the chunk.
                M.Centre(input.Slice(c0 * _k, rows * _k), _inputZeroPoint, _rows.AsSpan(0, rows * kp));
            }
            else
            {
                for (var r = 0; r < rows; r++)
                {
                    if (_pointwise)
                    {
                        M.Centre(input.Slice((c0 + r) * _k, _k), _inputZeroPoint, _rows.AsSpan(r * kp, kp));
                    }
                    else
                    {
                        _m.Gather(_s, input, _inputZeroPoint, c0 + r, _rows.AsSpan(r * kp));
                    }
                }
            }

            for (var b = 0; b < _blocks; b++)
            {
                var c = b * M.BlockWidth;
                var height = _m.TileRows(c);
                var r = 0;
                for (; r + height <= rows; r += height)
                {
                    _m.Tile(ref _rows[r * kp], kp, c, output, ((c0 + r) * n) + c);
                }

                if (r < rows && rows >= height)
                {
                    _m.Tile(ref _rows[(rows - height) * kp], kp, c, output, ((c0 + rows - height) * n) + c);
                    r = rows;
                }

                for (; r < rows; r++)
                {
                    _m.One(ref _rows[r * kp], kp, c, output, ((c0 + r) * n) + c);
                }
            }
        }
    }
}
