using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;

namespace EdgeMobileNet.Inference.Engines.Managed.Kernels;

/// <summary>
/// Float convolutions in exactly the reference's order of operations, so results equal
/// <see cref="ScalarConvKernels"/> bit for bit: pointwise in MLAS's blocked fused multiply-add order, depthwise and
/// group-1 convolutions as separate multiply and add per tap starting from the bias. Speed comes from independent
/// work per register (several pixels and channel vectors at once), never from reordering one output's arithmetic.
/// <para>
/// One driver for every vector ISA: <typeparamref name="V"/> is the micro-kernel's instruction set (an
/// <see cref="IFloatVector{TVec}"/>: AVX-512F, AVX2 + FMA3, NEON), a struct whose static members the JIT inlines into
/// a specialised copy of this code per ISA, as TensorPrimitives does with its operator structs. The only shape
/// choice that depends on the ISA is whether four-vector pointwise panels fit the register file
/// (<see cref="IFloatVector{TVec}.WidePanels"/>).
/// </para>
/// </summary>
internal static class FloatKernels<V, TVec>
    where V : struct, IFloatVector<TVec>
    where TVec : struct
{
    private static int Lanes => V.Lanes;

    /// <summary>Pixels per pointwise register tile (6 x 2 accumulators) and per depthwise/direct pixel group.</summary>
    private const int Rows = 6;
    private const int Group = 4;

    /// <summary>Above this many weight bytes a layer walks channel panels outermost so a panel stays in L2.</summary>
    private const long WeightCacheBytes = 256 * 1024;

    /// <summary>Widest single row whose running chains and sums go to the stack (2 x 8 KiB).</summary>
    private const int MaxStreamedChannels = 2048;

    /// <summary>Four-vector pointwise panels need 29 vector registers (AVX-512 and AArch64 have 32, AVX2 16).</summary>
    private static bool WidePanels => V.WidePanels;

    /// <summary>
    /// <see cref="IConvKernels.ConvFloat"/> for this ISA: pointwise convolutions in MLAS's order, depthwise, and
    /// group-1 (the stem); narrower or grouped ones fall back to the reference inside.
    /// </summary>
    public static void Conv(in ConvShape shape, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float lo, float hi, ReadOnlySpan<float> residual, Span<float> output)
    {
        if (QuantGemmPacking.IsPointwise(shape))
        {
            var m = shape.OutH * shape.OutW;
            PointwiseMlasOrder(m, shape.InC, shape.OutC, QuantGemmPacking.MlasStrideK(m, shape.InC), false, input, weights, bias, lo, hi, residual, output);
        }
        else if (shape.IsDepthwise)
        {
            Depthwise(shape, input, weights, bias, lo, hi, residual, output);
        }
        else
        {
            Direct(shape, input, weights, bias, lo, hi, residual, output);
        }
    }

    /// <summary><see cref="IConvKernels.PointwiseFloatMlasOrder"/> for this ISA.</summary>
    public static void Pointwise(in ConvShape shape, int strideK, bool biasFirst, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float lo, float hi, Span<float> output) =>
        PointwiseMlasOrder(shape.OutH * shape.OutW, shape.InC, shape.OutC, strideK, biasFirst, input, weights, bias, lo, hi, ReadOnlySpan<float>.Empty, output);

    /// <summary>
    /// y = clamp(blocked FMA chains + bias, lo, hi) (+ residual) over M rows of K inputs and N outputs, in MLAS's SGEMM
    /// order: blocks of <paramref name="strideK"/> inputs, each an FMA chain from zero, summed in order; with
    /// <paramref name="biasFirst"/> the bias is the starting value the blocks are added to and is not added again.
    /// </summary>
    public static void PointwiseMlasOrder(
        int m, int k, int n, int strideK, bool biasFirst, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float lo, float hi, ReadOnlySpan<float> residual, Span<float> output)
    {
        if (n < Lanes)
        {
            NarrowPointwise(m, k, n, strideK, biasFirst, input, weights, bias, lo, hi, residual, output);
            return;
        }

        var e = new Epilogue(bias, biasFirst, lo, hi, residual, output);
        ref var x = ref MemoryMarshal.GetReference(input);
        ref var w = ref MemoryMarshal.GetReference(weights);
        Span<float> tileSpan = stackalloc float[Rows * 4 * Lanes];
        ref var t = ref MemoryMarshal.GetReference(tileSpan);

        // Panels of four vectors (where the registers allow), then two, then one; a ragged end is one more vector
        // ending at n (it recomputes a few channels with identical arithmetic).
        var tiled = m - (m % Rows);
        if ((long)k * n * sizeof(float) > WeightCacheBytes)
        {
            for (var c0 = 0; c0 < n;)
            {
                var (c, vectors) = NextPanel(ref c0, n);
                for (var p = 0; p < tiled; p += Rows)
                {
                    Tile(ref x, ref w, ref t, k, n, strideK, p, c, vectors, in e);
                }
            }
        }
        else
        {
            for (var p = 0; p < tiled; p += Rows)
            {
                for (var c0 = 0; c0 < n;)
                {
                    var (c, vectors) = NextPanel(ref c0, n);
                    Tile(ref x, ref w, ref t, k, n, strideK, p, c, vectors, in e);
                }
            }
        }

        // Leftover rows (and fully connected layers): one row at a time, streaming the weights row by row when the
        // row's chains fit in a stack scratch, else four vectors of channels per pass, then single vectors.
        Span<float> rowScratch = tiled < m && n <= MaxStreamedChannels ? stackalloc float[2 * n] : default;
        for (var p = tiled; p < m; p++)
        {
            if (!rowScratch.IsEmpty)
            {
                RowStream(ref Unsafe.Add(ref x, p * k), ref w, k, n, strideK, in e, p * n, rowScratch);
                continue;
            }

            var c0 = 0;
            for (; c0 + (4 * Lanes) <= n; c0 += 4 * Lanes)
            {
                Row4(ref Unsafe.Add(ref x, p * k), ref w, ref t, k, n, strideK, c0, in e, (p * n) + c0);
            }

            for (; c0 < n; c0 += Lanes)
            {
                var c = Math.Min(c0, n - Lanes);
                Row1(ref Unsafe.Add(ref x, p * k), ref w, ref t, k, n, strideK, c, in e, (p * n) + c);
            }
        }
    }

    /// <summary>Fewer channels than one vector: the same chains one output at a time.</summary>
    private static void NarrowPointwise(
        int m, int k, int n, int strideK, bool biasFirst, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float lo, float hi, ReadOnlySpan<float> residual, Span<float> output)
    {
        for (var p = 0; p < m; p++)
        {
            for (var c = 0; c < n; c++)
            {
                var acc = biasFirst ? bias[c] : 0f;
                for (var k0 = 0; k0 < k; k0 += strideK)
                {
                    var chain = 0f;
                    var end = Math.Min(k, k0 + strideK);
                    for (var i = k0; i < end; i++)
                    {
                        chain = MathF.FusedMultiplyAdd(input[(p * k) + i], weights[(i * n) + c], chain);
                    }

                    acc = k0 == 0 && !biasFirst ? chain : acc + chain;
                }

                var v = Math.Clamp(biasFirst ? acc : acc + bias[c], lo, hi);
                output[(p * n) + c] = residual.IsEmpty ? v : v + residual[(p * n) + c];
            }
        }
    }

    /// <summary>The next channel panel from <paramref name="c0"/>: its first channel and width in vectors.</summary>
    private static (int C, int Vectors) NextPanel(ref int c0, int n)
    {
        var rest = n - c0;
        var c = c0;
        var vectors = WidePanels && rest >= 4 * Lanes ? 4 : rest >= 2 * Lanes ? 2 : 1;
        if (vectors * Lanes > rest)
        {
            c = n - (vectors * Lanes);
        }

        c0 = c + (vectors * Lanes);
        return (c, vectors);
    }

    /// <summary>Rows p..p+5, channels c..c+vectors: every reduction block, the last one through the epilogue.</summary>
    private static void Tile(ref float x, ref float w, ref float t, int k, int n, int strideK, int p, int c, int vectors, in Epilogue e)
    {
        ref var xp = ref Unsafe.Add(ref x, p * k);
        ref var wc = ref Unsafe.Add(ref w, c);
        if (e.BiasFirst)
        {
            for (var r = 0; r < Rows; r++)
            {
                for (var j = 0; j < vectors; j++)
                {
                    V.Store(e.Bias(c + (j * Lanes)), ref t, ((r * 4) + j) * Lanes);
                }
            }
        }

        for (var k0 = 0; k0 < k; k0 += strideK)
        {
            var first = k0 == 0 && !e.BiasFirst;
            var end = Math.Min(k, k0 + strideK);
            if (vectors == 4)
            {
                Chain6x4(ref xp, k, ref wc, n, k0, end, ref t, first, end == k, in e, c, (p * n) + c);
            }
            else if (vectors == 2)
            {
                Chain6x2(ref xp, k, ref wc, n, k0, end, ref t, first, end == k, in e, c, (p * n) + c);
            }
            else
            {
                Chain6x1(ref xp, k, ref wc, n, k0, end, ref t, first, end == k, in e, c, (p * n) + c);
            }
        }
    }

    /// <summary>
    /// One reduction block for 6 rows x 2 vectors. The first block starts the sums, later ones add to the tile (MLAS
    /// order); the last block goes straight to the epilogue instead of the tile.
    /// </summary>
    private static void Chain6x2(ref float x, int k, ref float w, int n, int k0, int end, ref float t, bool first, bool last, in Epilogue e, int c, int outAt)
    {
        TVec a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
        TVec a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
        nint k1 = k, k2 = 2 * k, k3 = 3 * k, k4 = 4 * k, k5 = 5 * k, stride = n;
        ref var x0 = ref Unsafe.Add(ref x, k0);
        ref var wk = ref Unsafe.Add(ref w, (nint)k0 * n);
        var i = end - k0;
        if (typeof(V) == typeof(NeonFloat))
        {
            // As in Chain6x4: four reduction steps per iteration with fmla by element.
            ref var r0 = ref x0;
            ref var r1 = ref Unsafe.Add(ref x0, k1);
            ref var r2 = ref Unsafe.Add(ref x0, k2);
            ref var r3 = ref Unsafe.Add(ref x0, k3);
            ref var r4 = ref Unsafe.Add(ref x0, k4);
            ref var r5 = ref Unsafe.Add(ref x0, k5);
            for (; i >= 4; i -= 4)
            {
                var b0 = V.Load(ref r0, 0);
                var b1 = V.Load(ref r1, 0);
                var b2 = V.Load(ref r2, 0);
                var b3 = V.Load(ref r3, 0);
                var b4 = V.Load(ref r4, 0);
                var b5 = V.Load(ref r5, 0);
                Column(V.Load(ref wk, 0), 0, b0, b1, b2, b3, b4, b5, ref a00, ref a10, ref a20, ref a30, ref a40, ref a50);
                Column(V.Load(ref wk, Lanes), 0, b0, b1, b2, b3, b4, b5, ref a01, ref a11, ref a21, ref a31, ref a41, ref a51);
                Column(V.Load(ref wk, stride), 1, b0, b1, b2, b3, b4, b5, ref a00, ref a10, ref a20, ref a30, ref a40, ref a50);
                Column(V.Load(ref wk, stride + Lanes), 1, b0, b1, b2, b3, b4, b5, ref a01, ref a11, ref a21, ref a31, ref a41, ref a51);
                Column(V.Load(ref wk, 2 * stride), 2, b0, b1, b2, b3, b4, b5, ref a00, ref a10, ref a20, ref a30, ref a40, ref a50);
                Column(V.Load(ref wk, (2 * stride) + Lanes), 2, b0, b1, b2, b3, b4, b5, ref a01, ref a11, ref a21, ref a31, ref a41, ref a51);
                Column(V.Load(ref wk, 3 * stride), 3, b0, b1, b2, b3, b4, b5, ref a00, ref a10, ref a20, ref a30, ref a40, ref a50);
                Column(V.Load(ref wk, (3 * stride) + Lanes), 3, b0, b1, b2, b3, b4, b5, ref a01, ref a11, ref a21, ref a31, ref a41, ref a51);
                r0 = ref Unsafe.Add(ref r0, 4);
                r1 = ref Unsafe.Add(ref r1, 4);
                r2 = ref Unsafe.Add(ref r2, 4);
                r3 = ref Unsafe.Add(ref r3, 4);
                r4 = ref Unsafe.Add(ref r4, 4);
                r5 = ref Unsafe.Add(ref r5, 4);
                wk = ref Unsafe.Add(ref wk, 4 * stride);
            }

            x0 = ref r0;
        }

        for (; i > 0; i--)
        {
            var w0 = V.Load(ref wk, 0);
            var w1 = V.Load(ref wk, Lanes);
            var b = V.Create(x0);
            a00 = V.Fma(b, w0, a00);
            a01 = V.Fma(b, w1, a01);
            b = V.Create(Unsafe.Add(ref x0, k1));
            a10 = V.Fma(b, w0, a10);
            a11 = V.Fma(b, w1, a11);
            b = V.Create(Unsafe.Add(ref x0, k2));
            a20 = V.Fma(b, w0, a20);
            a21 = V.Fma(b, w1, a21);
            b = V.Create(Unsafe.Add(ref x0, k3));
            a30 = V.Fma(b, w0, a30);
            a31 = V.Fma(b, w1, a31);
            b = V.Create(Unsafe.Add(ref x0, k4));
            a40 = V.Fma(b, w0, a40);
            a41 = V.Fma(b, w1, a41);
            b = V.Create(Unsafe.Add(ref x0, k5));
            a50 = V.Fma(b, w0, a50);
            a51 = V.Fma(b, w1, a51);
            x0 = ref Unsafe.Add(ref x0, 1);
            wk = ref Unsafe.Add(ref wk, stride);
        }

        Emit(ref t, 0, a00, first, last, in e, c, outAt);
        Emit(ref t, 1, a01, first, last, in e, c + Lanes, outAt + Lanes);
        Emit(ref t, 4, a10, first, last, in e, c, outAt + n);
        Emit(ref t, 5, a11, first, last, in e, c + Lanes, outAt + n + Lanes);
        Emit(ref t, 8, a20, first, last, in e, c, outAt + (2 * n));
        Emit(ref t, 9, a21, first, last, in e, c + Lanes, outAt + (2 * n) + Lanes);
        Emit(ref t, 12, a30, first, last, in e, c, outAt + (3 * n));
        Emit(ref t, 13, a31, first, last, in e, c + Lanes, outAt + (3 * n) + Lanes);
        Emit(ref t, 16, a40, first, last, in e, c, outAt + (4 * n));
        Emit(ref t, 17, a41, first, last, in e, c + Lanes, outAt + (4 * n) + Lanes);
        Emit(ref t, 20, a50, first, last, in e, c, outAt + (5 * n));
        Emit(ref t, 21, a51, first, last, in e, c + Lanes, outAt + (5 * n) + Lanes);
    }

    /// <summary>As <see cref="Chain6x2"/> for one vector (layers one to two vectors wide).</summary>
    private static void Chain6x1(ref float x, int k, ref float w, int n, int k0, int end, ref float t, bool first, bool last, in Epilogue e, int c, int outAt)
    {
        TVec a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        nint k1 = k, k2 = 2 * k, k3 = 3 * k, k4 = 4 * k, k5 = 5 * k, stride = n;
        ref var x0 = ref Unsafe.Add(ref x, k0);
        ref var wk = ref Unsafe.Add(ref w, (nint)k0 * n);
        for (var i = end - k0; i > 0; i--)
        {
            var w0 = V.Load(ref wk, 0);
            a0 = V.Fma(V.Create(x0), w0, a0);
            a1 = V.Fma(V.Create(Unsafe.Add(ref x0, k1)), w0, a1);
            a2 = V.Fma(V.Create(Unsafe.Add(ref x0, k2)), w0, a2);
            a3 = V.Fma(V.Create(Unsafe.Add(ref x0, k3)), w0, a3);
            a4 = V.Fma(V.Create(Unsafe.Add(ref x0, k4)), w0, a4);
            a5 = V.Fma(V.Create(Unsafe.Add(ref x0, k5)), w0, a5);
            x0 = ref Unsafe.Add(ref x0, 1);
            wk = ref Unsafe.Add(ref wk, stride);
        }

        Emit(ref t, 0, a0, first, last, in e, c, outAt);
        Emit(ref t, 4, a1, first, last, in e, c, outAt + n);
        Emit(ref t, 8, a2, first, last, in e, c, outAt + (2 * n));
        Emit(ref t, 12, a3, first, last, in e, c, outAt + (3 * n));
        Emit(ref t, 16, a4, first, last, in e, c, outAt + (4 * n));
        Emit(ref t, 20, a5, first, last, in e, c, outAt + (5 * n));
    }

    /// <summary>
    /// As <see cref="Chain6x2"/> for four vectors: 24 accumulators, four weight vectors and a broadcast fill the 32
    /// AVX-512 registers, so each loaded weight serves six rows and each broadcast four vectors.
    /// </summary>
    private static void Chain6x4(ref float x, int k, ref float w, int n, int k0, int end, ref float t, bool first, bool last, in Epilogue e, int c, int outAt)
    {
        TVec a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
        TVec a20 = default, a21 = default, a22 = default, a23 = default, a30 = default, a31 = default, a32 = default, a33 = default;
        TVec a40 = default, a41 = default, a42 = default, a43 = default, a50 = default, a51 = default, a52 = default, a53 = default;
        nint k1 = k, k2 = 2 * k, k3 = 3 * k, k4 = 4 * k, k5 = 5 * k, stride = n;
        ref var x0 = ref Unsafe.Add(ref x, k0);
        ref var wk = ref Unsafe.Add(ref w, (nint)k0 * n);
        var i = end - k0;
        if (typeof(V) == typeof(NeonFloat))
        {
            // Four reduction steps per iteration: one vector of each row's next four inputs, each weight vector
            // loaded once and used by six fmla by element (24 accumulators + 6 inputs + 1 weight registers). One
            // reference per input row and per weight row keeps the loads at immediate offsets.
            ref var r0 = ref x0;
            ref var r1 = ref Unsafe.Add(ref x0, k1);
            ref var r2 = ref Unsafe.Add(ref x0, k2);
            ref var r3 = ref Unsafe.Add(ref x0, k3);
            ref var r4 = ref Unsafe.Add(ref x0, k4);
            ref var r5 = ref Unsafe.Add(ref x0, k5);
            ref var q0 = ref wk;
            ref var q1 = ref Unsafe.Add(ref wk, stride);
            ref var q2 = ref Unsafe.Add(ref wk, 2 * stride);
            ref var q3 = ref Unsafe.Add(ref wk, 3 * stride);
            for (; i >= 4; i -= 4)
            {
                var b0 = V.Load(ref r0, 0);
                var b1 = V.Load(ref r1, 0);
                var b2 = V.Load(ref r2, 0);
                var b3 = V.Load(ref r3, 0);
                var b4 = V.Load(ref r4, 0);
                var b5 = V.Load(ref r5, 0);
                Column(V.Load(ref q0, 0), 0, b0, b1, b2, b3, b4, b5, ref a00, ref a10, ref a20, ref a30, ref a40, ref a50);
                Column(V.Load(ref q0, Lanes), 0, b0, b1, b2, b3, b4, b5, ref a01, ref a11, ref a21, ref a31, ref a41, ref a51);
                Column(V.Load(ref q0, 2 * Lanes), 0, b0, b1, b2, b3, b4, b5, ref a02, ref a12, ref a22, ref a32, ref a42, ref a52);
                Column(V.Load(ref q0, 3 * Lanes), 0, b0, b1, b2, b3, b4, b5, ref a03, ref a13, ref a23, ref a33, ref a43, ref a53);
                Column(V.Load(ref q1, 0), 1, b0, b1, b2, b3, b4, b5, ref a00, ref a10, ref a20, ref a30, ref a40, ref a50);
                Column(V.Load(ref q1, Lanes), 1, b0, b1, b2, b3, b4, b5, ref a01, ref a11, ref a21, ref a31, ref a41, ref a51);
                Column(V.Load(ref q1, 2 * Lanes), 1, b0, b1, b2, b3, b4, b5, ref a02, ref a12, ref a22, ref a32, ref a42, ref a52);
                Column(V.Load(ref q1, 3 * Lanes), 1, b0, b1, b2, b3, b4, b5, ref a03, ref a13, ref a23, ref a33, ref a43, ref a53);
                Column(V.Load(ref q2, 0), 2, b0, b1, b2, b3, b4, b5, ref a00, ref a10, ref a20, ref a30, ref a40, ref a50);
                Column(V.Load(ref q2, Lanes), 2, b0, b1, b2, b3, b4, b5, ref a01, ref a11, ref a21, ref a31, ref a41, ref a51);
                Column(V.Load(ref q2, 2 * Lanes), 2, b0, b1, b2, b3, b4, b5, ref a02, ref a12, ref a22, ref a32, ref a42, ref a52);
                Column(V.Load(ref q2, 3 * Lanes), 2, b0, b1, b2, b3, b4, b5, ref a03, ref a13, ref a23, ref a33, ref a43, ref a53);
                Column(V.Load(ref q3, 0), 3, b0, b1, b2, b3, b4, b5, ref a00, ref a10, ref a20, ref a30, ref a40, ref a50);
                Column(V.Load(ref q3, Lanes), 3, b0, b1, b2, b3, b4, b5, ref a01, ref a11, ref a21, ref a31, ref a41, ref a51);
                Column(V.Load(ref q3, 2 * Lanes), 3, b0, b1, b2, b3, b4, b5, ref a02, ref a12, ref a22, ref a32, ref a42, ref a52);
                Column(V.Load(ref q3, 3 * Lanes), 3, b0, b1, b2, b3, b4, b5, ref a03, ref a13, ref a23, ref a33, ref a43, ref a53);
                r0 = ref Unsafe.Add(ref r0, 4);
                r1 = ref Unsafe.Add(ref r1, 4);
                r2 = ref Unsafe.Add(ref r2, 4);
                r3 = ref Unsafe.Add(ref r3, 4);
                r4 = ref Unsafe.Add(ref r4, 4);
                r5 = ref Unsafe.Add(ref r5, 4);
                q0 = ref Unsafe.Add(ref q0, 4 * stride);
                q1 = ref Unsafe.Add(ref q1, 4 * stride);
                q2 = ref Unsafe.Add(ref q2, 4 * stride);
                q3 = ref Unsafe.Add(ref q3, 4 * stride);
            }

            x0 = ref r0;
            wk = ref q0;
        }

        for (; i > 0; i--)
        {
            var w0 = V.Load(ref wk, 0);
            var w1 = V.Load(ref wk, Lanes);
            var w2 = V.Load(ref wk, 2 * Lanes);
            var w3 = V.Load(ref wk, 3 * Lanes);
            var b = V.Create(x0);
            a00 = V.Fma(b, w0, a00);
            a01 = V.Fma(b, w1, a01);
            a02 = V.Fma(b, w2, a02);
            a03 = V.Fma(b, w3, a03);
            b = V.Create(Unsafe.Add(ref x0, k1));
            a10 = V.Fma(b, w0, a10);
            a11 = V.Fma(b, w1, a11);
            a12 = V.Fma(b, w2, a12);
            a13 = V.Fma(b, w3, a13);
            b = V.Create(Unsafe.Add(ref x0, k2));
            a20 = V.Fma(b, w0, a20);
            a21 = V.Fma(b, w1, a21);
            a22 = V.Fma(b, w2, a22);
            a23 = V.Fma(b, w3, a23);
            b = V.Create(Unsafe.Add(ref x0, k3));
            a30 = V.Fma(b, w0, a30);
            a31 = V.Fma(b, w1, a31);
            a32 = V.Fma(b, w2, a32);
            a33 = V.Fma(b, w3, a33);
            b = V.Create(Unsafe.Add(ref x0, k4));
            a40 = V.Fma(b, w0, a40);
            a41 = V.Fma(b, w1, a41);
            a42 = V.Fma(b, w2, a42);
            a43 = V.Fma(b, w3, a43);
            b = V.Create(Unsafe.Add(ref x0, k5));
            a50 = V.Fma(b, w0, a50);
            a51 = V.Fma(b, w1, a51);
            a52 = V.Fma(b, w2, a52);
            a53 = V.Fma(b, w3, a53);
            x0 = ref Unsafe.Add(ref x0, 1);
            wk = ref Unsafe.Add(ref wk, stride);
        }

        Emit(ref t, 0, a00, first, last, in e, c, outAt);
        Emit(ref t, 1, a01, first, last, in e, c + Lanes, outAt + Lanes);
        Emit(ref t, 2, a02, first, last, in e, c + (2 * Lanes), outAt + (2 * Lanes));
        Emit(ref t, 3, a03, first, last, in e, c + (3 * Lanes), outAt + (3 * Lanes));
        Emit(ref t, 4, a10, first, last, in e, c, outAt + n);
        Emit(ref t, 5, a11, first, last, in e, c + Lanes, outAt + n + Lanes);
        Emit(ref t, 6, a12, first, last, in e, c + (2 * Lanes), outAt + n + (2 * Lanes));
        Emit(ref t, 7, a13, first, last, in e, c + (3 * Lanes), outAt + n + (3 * Lanes));
        Emit(ref t, 8, a20, first, last, in e, c, outAt + (2 * n));
        Emit(ref t, 9, a21, first, last, in e, c + Lanes, outAt + (2 * n) + Lanes);
        Emit(ref t, 10, a22, first, last, in e, c + (2 * Lanes), outAt + (2 * n) + (2 * Lanes));
        Emit(ref t, 11, a23, first, last, in e, c + (3 * Lanes), outAt + (2 * n) + (3 * Lanes));
        Emit(ref t, 12, a30, first, last, in e, c, outAt + (3 * n));
        Emit(ref t, 13, a31, first, last, in e, c + Lanes, outAt + (3 * n) + Lanes);
        Emit(ref t, 14, a32, first, last, in e, c + (2 * Lanes), outAt + (3 * n) + (2 * Lanes));
        Emit(ref t, 15, a33, first, last, in e, c + (3 * Lanes), outAt + (3 * n) + (3 * Lanes));
        Emit(ref t, 16, a40, first, last, in e, c, outAt + (4 * n));
        Emit(ref t, 17, a41, first, last, in e, c + Lanes, outAt + (4 * n) + Lanes);
        Emit(ref t, 18, a42, first, last, in e, c + (2 * Lanes), outAt + (4 * n) + (2 * Lanes));
        Emit(ref t, 19, a43, first, last, in e, c + (3 * Lanes), outAt + (4 * n) + (3 * Lanes));
        Emit(ref t, 20, a50, first, last, in e, c, outAt + (5 * n));
        Emit(ref t, 21, a51, first, last, in e, c + Lanes, outAt + (5 * n) + Lanes);
        Emit(ref t, 22, a52, first, last, in e, c + (2 * Lanes), outAt + (5 * n) + (2 * Lanes));
        Emit(ref t, 23, a53, first, last, in e, c + (3 * Lanes), outAt + (5 * n) + (3 * Lanes));
    }

    /// <summary>Six accumulators of one weight vector, each plus the weights times lane <paramref name="lane"/> of its row's inputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Column(TVec w, [ConstantExpected(Max = 3)] byte lane, TVec b0, TVec b1, TVec b2, TVec b3, TVec b4, TVec b5, ref TVec a0, ref TVec a1, ref TVec a2, ref TVec a3, ref TVec a4, ref TVec a5)
    {
        a0 = V.FmaLane(a0, w, b0, lane);
        a1 = V.FmaLane(a1, w, b1, lane);
        a2 = V.FmaLane(a2, w, b2, lane);
        a3 = V.FmaLane(a3, w, b3, lane);
        a4 = V.FmaLane(a4, w, b4, lane);
        a5 = V.FmaLane(a5, w, b5, lane);
    }

    /// <summary>
    /// One row over all n channels with the weights read row by row, their contiguous direction, which suits fully
    /// connected layers whose weights stream from memory once per run. Each block's chains and the running sums live
    /// in <paramref name="scratch"/> (2 n floats); channels past the last whole vector take the same fused
    /// multiply-adds one at a time, since an overlapping read-modify-write vector would apply them twice.
    /// </summary>
    private static void RowStream(ref float x, ref float w, int k, int n, int strideK, in Epilogue e, int outAt, Span<float> scratch)
    {
        var chains = scratch[..n];
        ref var chain = ref MemoryMarshal.GetReference(scratch);
        ref var sum = ref Unsafe.Add(ref chain, n);
        var whole = n - (n % Lanes);
        if (e.BiasFirst)
        {
            e.CopyBias(scratch.Slice(n, n));
        }

        for (var k0 = 0; k0 < k; k0 += strideK)
        {
            var end = Math.Min(k, k0 + strideK);
            chains.Clear();
            ref var wk = ref Unsafe.Add(ref w, (nint)k0 * n);
            for (var i = k0; i < end; i++)
            {
                var xs = Unsafe.Add(ref x, i);
                var b = V.Create(xs);
                var c = 0;
                for (; c < whole; c += Lanes)
                {
                    V.Store(V.Fma(b, V.Load(ref wk, c), V.Load(ref chain, c)), ref chain, c);
                }

                for (; c < n; c++)
                {
                    Unsafe.Add(ref chain, c) = MathF.FusedMultiplyAdd(xs, Unsafe.Add(ref wk, c), Unsafe.Add(ref chain, c));
                }

                wk = ref Unsafe.Add(ref wk, (nint)n);
            }

            if (k0 == 0 && !e.BiasFirst)
            {
                chains.CopyTo(scratch.Slice(n, n));
                continue;
            }

            var j = 0;
            for (; j < whole; j += Lanes)
            {
                V.Store(V.Add(V.Load(ref sum, j), V.Load(ref chain, j)), ref sum, j);
            }

            for (; j < n; j++)
            {
                Unsafe.Add(ref sum, j) += Unsafe.Add(ref chain, j);
            }
        }

        // The epilogue reads the sums and writes the output, so an overlapping last vector is harmless here.
        for (var c0 = 0; c0 < n; c0 += Lanes)
        {
            var c = Math.Min(c0, n - Lanes);
            e.Finish(V.Load(ref sum, (nint)c), c, outAt + c);
        }
    }

    /// <summary>One row, four vectors of channels from <paramref name="c"/>: every block into t[0..4 vectors).</summary>
    private static void Row4(ref float x, ref float w, ref float t, int k, int n, int strideK, int c, in Epilogue e, int outAt)
    {
        if (e.BiasFirst)
        {
            for (var j = 0; j < 4; j++)
            {
                V.Store(e.Bias(c + (j * Lanes)), ref t, j * Lanes);
            }
        }

        nint stride = n;
        for (var k0 = 0; k0 < k; k0 += strideK)
        {
            TVec a0 = default, a1 = default, a2 = default, a3 = default;
            var end = Math.Min(k, k0 + strideK);
            ref var wk = ref Unsafe.Add(ref w, ((nint)k0 * n) + c);
            for (var i = k0; i < end; i++)
            {
                var b = V.Create(Unsafe.Add(ref x, i));
                a0 = V.Fma(b, V.Load(ref wk, 0), a0);
                a1 = V.Fma(b, V.Load(ref wk, Lanes), a1);
                a2 = V.Fma(b, V.Load(ref wk, 2 * Lanes), a2);
                a3 = V.Fma(b, V.Load(ref wk, 3 * Lanes), a3);
                wk = ref Unsafe.Add(ref wk, stride);
            }

            var (first, last) = (k0 == 0 && !e.BiasFirst, end == k);
            Emit(ref t, 0, a0, first, last, in e, c, outAt);
            Emit(ref t, 1, a1, first, last, in e, c + Lanes, outAt + Lanes);
            Emit(ref t, 2, a2, first, last, in e, c + (2 * Lanes), outAt + (2 * Lanes));
            Emit(ref t, 3, a3, first, last, in e, c + (3 * Lanes), outAt + (3 * Lanes));
        }
    }

    /// <summary>One row, one vector of channels from <paramref name="c"/>: every block into t[0].</summary>
    private static void Row1(ref float x, ref float w, ref float t, int k, int n, int strideK, int c, in Epilogue e, int outAt)
    {
        if (e.BiasFirst)
        {
            V.Store(e.Bias(c), ref t, 0);
        }

        nint stride = n;
        for (var k0 = 0; k0 < k; k0 += strideK)
        {
            var a = default(TVec);
            var end = Math.Min(k, k0 + strideK);
            ref var wk = ref Unsafe.Add(ref w, ((nint)k0 * n) + c);
            for (var i = k0; i < end; i++)
            {
                a = V.Fma(V.Create(Unsafe.Add(ref x, i)), V.Load(ref wk, 0), a);
                wk = ref Unsafe.Add(ref wk, stride);
            }

            Emit(ref t, 0, a, k0 == 0 && !e.BiasFirst, end == k, in e, c, outAt);
        }
    }

    /// <summary>Adds one block's chain to the running sum; the last block's sum goes through the epilogue.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Emit(ref float t, int slot, TVec chain, bool first, bool last, in Epilogue e, int c, int at)
    {
        var tileAt = slot * Lanes;
        var sum = first ? chain : V.Add(V.Load(ref t, tileAt), chain);
        if (last)
        {
            e.Finish(sum, c, at);
        }
        else
        {
            V.Store(sum, ref t, tileAt);
        }
    }

    /// <summary>
    /// Depthwise float: acc = bias, then per in-bounds tap acc += x * w (multiply, then add) in kernel row-major order,
    /// then clamp and residual. Interior pixels go four at a time (four independent accumulator chains per vector).
    /// </summary>
    public static void Depthwise(in ConvShape s, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float lo, float hi, ReadOnlySpan<float> residual, Span<float> output)
    {
        if (s.OutC < Lanes)
        {
            ScalarConvKernels.Instance.ConvFloat(s, input, weights, bias, lo, hi, residual, output);
            return;
        }

        Spatial(s, input, weights, new Epilogue(bias, false, lo, hi, residual, output), depthwise: true);
    }

    /// <summary>
    /// The pixel loop depthwise and group-1 (stem) convolutions share: interior pixels four at a time
    /// (<see cref="DepthwiseGroup"/>, <see cref="DirectGroup"/>), pixels whose kernel reaches into the column padding
    /// one at a time with their own tap range (<see cref="DepthwiseEdge"/>, <see cref="DirectEdge"/>).
    /// </summary>
    private static void Spatial(in ConvShape s, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, in Epilogue e, bool depthwise)
    {
        ref var x = ref MemoryMarshal.GetReference(input);
        ref var w = ref MemoryMarshal.GetReference(weights);
        var (interiorFirst, interiorEnd) = InteriorColumns(s);
        for (var oh = 0; oh < s.OutH; oh++)
        {
            var (ih0, kh0, kh1) = s.RowTaps(oh);
            var ow = 0;
            while (ow < s.OutW)
            {
                var outAt = ((oh * s.OutW) + ow) * s.OutC;
                if (ow >= interiorFirst && ow + Group <= interiorEnd)
                {
                    if (depthwise)
                    {
                        DepthwiseGroup(s, ref x, ref w, ih0, kh0, kh1, (ow * s.StrideW) - s.PadLeft, outAt, in e);
                    }
                    else
                    {
                        DirectGroup(s, ref x, ref w, ih0, kh0, kh1, (ow * s.StrideW) - s.PadLeft, outAt, in e);
                    }

                    ow += Group;
                    continue;
                }

                var (iw0, kw0, kw1) = s.ColumnTaps(ow);
                if (depthwise)
                {
                    DepthwiseEdge(s, ref x, ref w, ih0, kh0, kh1, iw0, kw0, kw1, outAt, in e);
                }
                else
                {
                    DirectEdge(s, ref x, ref w, ih0, kh0, kh1, iw0, kw0, kw1, outAt, in e);
                }

                ow++;
            }
        }
    }

    /// <summary>One pixel with the tap ranges of a border pixel, per channel vector in the reference's tap order.</summary>
    private static void DepthwiseEdge(in ConvShape s, ref float x, ref float w, int ih0, int kh0, int kh1, int iw0, int kw0, int kw1, int outAt, in Epilogue e)
    {
        var c = s.OutC;
        for (var c0 = 0; c0 < c; c0 += Lanes)
        {
            var ch = Math.Min(c0, c - Lanes);
            var acc = e.Bias(ch);
            for (var kh = kh0; kh < kh1; kh++)
            {
                var rowAt = ((ih0 + (kh * s.DilationH)) * s.InW * c) + ch;
                for (var kw = kw0; kw < kw1; kw++)
                {
                    var xv = V.Load(ref x, (nint)(rowAt + ((iw0 + (kw * s.DilationW)) * c)));
                    acc = V.Add(acc, V.Multiply(xv, V.Load(ref w, (((kh * s.KW) + kw) * c) + ch)));
                }
            }

            e.Finish(acc, ch, outAt + ch, addBias: false);
        }
    }

    /// <summary>
    /// Four adjacent output pixels whose kernel columns are all inside the input, rows [kh0, kh1) of the kernel:
    /// four independent accumulator chains per channel vector, each in the reference's tap order. Three-wide kernels
    /// (all MobileNet 3x3 depthwise layers) are unrolled.
    /// </summary>
    private static void DepthwiseGroup(in ConvShape s, ref float x, ref float w, int ih0, int kh0, int kh1, int iw0, int outAt, in Epilogue e)
    {
        var c = s.OutC;
        nint cc = c, step = (nint)s.StrideW * c, tap = (nint)s.DilationW * c, rowStride = (nint)s.InW * c * s.DilationH, wRow = (nint)s.KW * c;
        ref var xBase = ref Unsafe.Add(ref x, ((((nint)ih0 + ((nint)kh0 * s.DilationH)) * s.InW) + iw0) * cc);
        ref var wBase = ref Unsafe.Add(ref w, kh0 * wRow);
        var rows = kh1 - kh0;
        var threeWide = s.KW == 3;
        var shared = s.StrideW == s.DilationW;
        var halved = s.StrideW == 2 * s.DilationW;
        for (var c0 = 0; c0 < c; c0 += Lanes)
        {
            var ch = Math.Min(c0, c - Lanes);
            var a0 = e.Bias(ch);
            var (a1, a2, a3) = (a0, a0, a0);
            ref var xr = ref Unsafe.Add(ref xBase, ch);
            ref var wr = ref Unsafe.Add(ref wBase, ch);
            for (var r = rows; r > 0; r--)
            {
                if (threeWide && shared)
                {
                    // Stride equals dilation: pixel j's tap kw is input column j + kw, so six loads serve twelve taps.
                    var w0 = V.Load(ref wr, 0);
                    var w1 = V.Load(ref wr, (nint)cc);
                    var w2 = V.Load(ref wr, (nint)(2 * cc));
                    var x0 = V.Load(ref xr, 0);
                    var x1 = V.Load(ref xr, (nint)step);
                    var x2 = V.Load(ref xr, (nint)(2 * step));
                    var x3 = V.Load(ref xr, (nint)(3 * step));
                    a0 = V.Add(a0, V.Multiply(x0, w0));
                    a1 = V.Add(a1, V.Multiply(x1, w0));
                    a2 = V.Add(a2, V.Multiply(x2, w0));
                    a3 = V.Add(a3, V.Multiply(x3, w0));
                    var x4 = V.Load(ref xr, (nint)(4 * step));
                    a0 = V.Add(a0, V.Multiply(x1, w1));
                    a1 = V.Add(a1, V.Multiply(x2, w1));
                    a2 = V.Add(a2, V.Multiply(x3, w1));
                    a3 = V.Add(a3, V.Multiply(x4, w1));
                    var x5 = V.Load(ref xr, (nint)(5 * step));
                    a0 = V.Add(a0, V.Multiply(x2, w2));
                    a1 = V.Add(a1, V.Multiply(x3, w2));
                    a2 = V.Add(a2, V.Multiply(x4, w2));
                    a3 = V.Add(a3, V.Multiply(x5, w2));
                }
                else if (threeWide && halved)
                {
                    // Stride twice the dilation: pixel j's tap kw is input column 2j + kw, so nine loads serve twelve.
                    var w0 = V.Load(ref wr, 0);
                    var w1 = V.Load(ref wr, (nint)cc);
                    var w2 = V.Load(ref wr, (nint)(2 * cc));
                    var x2 = V.Load(ref xr, (nint)(2 * tap));
                    var x4 = V.Load(ref xr, (nint)(4 * tap));
                    var x6 = V.Load(ref xr, (nint)(6 * tap));
                    a0 = V.Add(a0, V.Multiply(V.Load(ref xr, 0), w0));
                    a1 = V.Add(a1, V.Multiply(x2, w0));
                    a2 = V.Add(a2, V.Multiply(x4, w0));
                    a3 = V.Add(a3, V.Multiply(x6, w0));
                    a0 = V.Add(a0, V.Multiply(V.Load(ref xr, (nint)tap), w1));
                    a1 = V.Add(a1, V.Multiply(V.Load(ref xr, (nint)(3 * tap)), w1));
                    a2 = V.Add(a2, V.Multiply(V.Load(ref xr, (nint)(5 * tap)), w1));
                    a3 = V.Add(a3, V.Multiply(V.Load(ref xr, (nint)(7 * tap)), w1));
                    a0 = V.Add(a0, V.Multiply(x2, w2));
                    a1 = V.Add(a1, V.Multiply(x4, w2));
                    a2 = V.Add(a2, V.Multiply(x6, w2));
                    a3 = V.Add(a3, V.Multiply(V.Load(ref xr, (nint)(8 * tap)), w2));
                }
                else if (threeWide)
                {
                    var w0 = V.Load(ref wr, 0);
                    var w1 = V.Load(ref wr, (nint)cc);
                    var w2 = V.Load(ref wr, (nint)(2 * cc));
                    ref var x1 = ref Unsafe.Add(ref xr, tap);
                    ref var x2 = ref Unsafe.Add(ref xr, 2 * tap);
                    a0 = V.Add(a0, V.Multiply(V.Load(ref xr, 0), w0));
                    a1 = V.Add(a1, V.Multiply(V.Load(ref xr, (nint)step), w0));
                    a2 = V.Add(a2, V.Multiply(V.Load(ref xr, (nint)(2 * step)), w0));
                    a3 = V.Add(a3, V.Multiply(V.Load(ref xr, (nint)(3 * step)), w0));
                    a0 = V.Add(a0, V.Multiply(V.Load(ref x1, 0), w1));
                    a1 = V.Add(a1, V.Multiply(V.Load(ref x1, (nint)step), w1));
                    a2 = V.Add(a2, V.Multiply(V.Load(ref x1, (nint)(2 * step)), w1));
                    a3 = V.Add(a3, V.Multiply(V.Load(ref x1, (nint)(3 * step)), w1));
                    a0 = V.Add(a0, V.Multiply(V.Load(ref x2, 0), w2));
                    a1 = V.Add(a1, V.Multiply(V.Load(ref x2, (nint)step), w2));
                    a2 = V.Add(a2, V.Multiply(V.Load(ref x2, (nint)(2 * step)), w2));
                    a3 = V.Add(a3, V.Multiply(V.Load(ref x2, (nint)(3 * step)), w2));
                }
                else
                {
                    ref var xp = ref xr;
                    for (var kw = 0; kw < s.KW; kw++)
                    {
                        var wv = V.Load(ref wr, (nint)(kw * cc));
                        a0 = V.Add(a0, V.Multiply(V.Load(ref xp, 0), wv));
                        a1 = V.Add(a1, V.Multiply(V.Load(ref xp, (nint)step), wv));
                        a2 = V.Add(a2, V.Multiply(V.Load(ref xp, (nint)(2 * step)), wv));
                        a3 = V.Add(a3, V.Multiply(V.Load(ref xp, (nint)(3 * step)), wv));
                        xp = ref Unsafe.Add(ref xp, tap);
                    }
                }

                xr = ref Unsafe.Add(ref xr, rowStride);
                wr = ref Unsafe.Add(ref wr, wRow);
            }

            e.Finish(a0, ch, outAt + ch, addBias: false);
            e.Finish(a1, ch, outAt + c + ch, addBias: false);
            e.Finish(a2, ch, outAt + (2 * c) + ch, addBias: false);
            e.Finish(a3, ch, outAt + (3 * c) + ch, addBias: false);
        }
    }

    /// <summary>
    /// Group-1 float convolution of any kernel size (the stem) in the scalar reference's exact order: acc = bias, then
    /// per in-bounds tap the input channels four at a time as ((x0 w0 + x1 w1) + x2 w2) + x3 w3 added to acc, the
    /// rest one product at a time; then clamp and residual. Interior pixels go four at a time; layers narrower than one
    /// vector run the reference.
    /// </summary>
    public static void Direct(in ConvShape s, ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float lo, float hi, ReadOnlySpan<float> residual, Span<float> output)
    {
        if (s.OutC < Lanes || s.Groups != 1)
        {
            ScalarConvKernels.Instance.ConvFloat(s, input, weights, bias, lo, hi, residual, output);
            return;
        }

        Spatial(s, input, weights, new Epilogue(bias, false, lo, hi, residual, output), depthwise: false);
    }

    /// <summary>One border pixel of a group-1 convolution, per channel vector in the reference's order.</summary>
    private static void DirectEdge(in ConvShape s, ref float x, ref float w, int ih0, int kh0, int kh1, int iw0, int kw0, int kw1, int outAt, in Epilogue e)
    {
        var n = s.OutC;
        var cin = s.InC;
        for (var c0 = 0; c0 < n; c0 += Lanes)
        {
            var c = Math.Min(c0, n - Lanes);
            var a0 = e.Bias(c);
            for (var kh = kh0; kh < kh1; kh++)
            {
                for (var kw = kw0; kw < kw1; kw++)
                {
                    ref var xp = ref Unsafe.Add(ref x, (((ih0 + (kh * s.DilationH)) * s.InW) + iw0 + (kw * s.DilationW)) * cin);
                    ref var wp = ref Unsafe.Add(ref w, ((((kh * s.KW) + kw) * cin) * n) + c);
                    a0 = DirectTap(a0, ref xp, ref wp, cin, n);
                }
            }

            e.Finish(a0, c, outAt + c, addBias: false);
        }
    }

    /// <summary>
    /// Four adjacent output pixels whose kernel columns are all inside the input: two channel vectors per pass (so each
    /// broadcast input serves two), four pixels' independent chains, each in the reference's order.
    /// </summary>
    private static void DirectGroup(in ConvShape s, ref float x, ref float w, int ih0, int kh0, int kh1, int iw0, int outAt, in Epilogue e)
    {
        var n = s.OutC;
        var cin = s.InC;
        nint nn = n, step = (nint)s.StrideW * cin;
        var width = n >= 2 * Lanes ? 2 * Lanes : Lanes;
        for (var c0 = 0; c0 < n; c0 += width)
        {
            var c = Math.Min(c0, n - width);
            var a0 = e.Bias(c);
            var (a1, a2, a3) = (a0, a0, a0);
            var b0 = width > Lanes ? e.Bias(c + Lanes) : a0;
            var (b1, b2, b3) = (b0, b0, b0);
            for (var kh = kh0; kh < kh1; kh++)
            {
                for (var kw = 0; kw < s.KW; kw++)
                {
                    ref var xp = ref Unsafe.Add(ref x, (((ih0 + (kh * s.DilationH)) * s.InW) + iw0 + (kw * s.DilationW)) * cin);
                    ref var wp = ref Unsafe.Add(ref w, ((((kh * s.KW) + kw) * cin) * nn) + c);
                    var ci = 0;
                    for (; ci + 4 <= cin; ci += 4)
                    {
                        ref var wc = ref Unsafe.Add(ref wp, ci * nn);
                        a0 = V.Add(a0, FourAt(ref Unsafe.Add(ref xp, ci), ref wc, nn));
                        a1 = V.Add(a1, FourAt(ref Unsafe.Add(ref xp, step + ci), ref wc, nn));
                        a2 = V.Add(a2, FourAt(ref Unsafe.Add(ref xp, (2 * step) + ci), ref wc, nn));
                        a3 = V.Add(a3, FourAt(ref Unsafe.Add(ref xp, (3 * step) + ci), ref wc, nn));
                        if (width > Lanes)
                        {
                            ref var wd = ref Unsafe.Add(ref wc, Lanes);
                            b0 = V.Add(b0, FourAt(ref Unsafe.Add(ref xp, ci), ref wd, nn));
                            b1 = V.Add(b1, FourAt(ref Unsafe.Add(ref xp, step + ci), ref wd, nn));
                            b2 = V.Add(b2, FourAt(ref Unsafe.Add(ref xp, (2 * step) + ci), ref wd, nn));
                            b3 = V.Add(b3, FourAt(ref Unsafe.Add(ref xp, (3 * step) + ci), ref wd, nn));
                        }
                    }

                    for (; ci < cin; ci++)
                    {
                        var wa = V.Load(ref wp, (nint)(ci * nn));
                        var wb = V.Load(ref wp, (nint)((ci * nn) + (width - Lanes)));
                        var v = V.Create(Unsafe.Add(ref xp, ci));
                        a0 = V.Add(a0, V.Multiply(v, wa));
                        b0 = V.Add(b0, V.Multiply(v, wb));
                        v = V.Create(Unsafe.Add(ref xp, step + ci));
                        a1 = V.Add(a1, V.Multiply(v, wa));
                        b1 = V.Add(b1, V.Multiply(v, wb));
                        v = V.Create(Unsafe.Add(ref xp, (2 * step) + ci));
                        a2 = V.Add(a2, V.Multiply(v, wa));
                        b2 = V.Add(b2, V.Multiply(v, wb));
                        v = V.Create(Unsafe.Add(ref xp, (3 * step) + ci));
                        a3 = V.Add(a3, V.Multiply(v, wa));
                        b3 = V.Add(b3, V.Multiply(v, wb));
                    }
                }
            }

            e.Finish(a0, c, outAt + c, addBias: false);
            e.Finish(a1, c, outAt + n + c, addBias: false);
            e.Finish(a2, c, outAt + (2 * n) + c, addBias: false);
            e.Finish(a3, c, outAt + (3 * n) + c, addBias: false);
            if (width > Lanes)
            {
                var d = c + Lanes;
                e.Finish(b0, d, outAt + d, addBias: false);
                e.Finish(b1, d, outAt + n + d, addBias: false);
                e.Finish(b2, d, outAt + (2 * n) + d, addBias: false);
                e.Finish(b3, d, outAt + (3 * n) + d, addBias: false);
            }
        }
    }

    /// <summary>The reference's four-channel step with the four weight rows read from <paramref name="wp"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec FourAt(ref float xp, ref float wp, nint n) =>
        Four(ref xp, V.Load(ref wp, 0), V.Load(ref wp, (nint)n), V.Load(ref wp, (nint)(2 * n)), V.Load(ref wp, (nint)(3 * n)));

    /// <summary>One tap of a group-1 convolution for one pixel, in the reference's grouping.</summary>
    private static TVec DirectTap(TVec acc, ref float xp, ref float wp, int cin, int n)
    {
        var ci = 0;
        for (; ci + 4 <= cin; ci += 4)
        {
            acc = V.Add(acc, Four(ref Unsafe.Add(ref xp, ci), V.Load(ref wp, (nint)(ci * n)), V.Load(ref wp, (nint)((ci + 1) * n)), V.Load(ref wp, (nint)((ci + 2) * n)), V.Load(ref wp, (nint)((ci + 3) * n))));
        }

        for (; ci < cin; ci++)
        {
            acc = V.Add(acc, V.Multiply(V.Create(Unsafe.Add(ref xp, ci)), V.Load(ref wp, (nint)(ci * n))));
        }

        return acc;
    }

    /// <summary>((x0 w0 + x1 w1) + x2 w2) + x3 w3, the reference's four-channel step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Four(ref float xp, TVec w0, TVec w1, TVec w2, TVec w3)
    {
        var t = V.Add(V.Multiply(V.Create(xp), w0), V.Multiply(V.Create(Unsafe.Add(ref xp, 1)), w1));
        t = V.Add(t, V.Multiply(V.Create(Unsafe.Add(ref xp, 2)), w2));
        return V.Add(t, V.Multiply(V.Create(Unsafe.Add(ref xp, 3)), w3));
    }

    /// <summary>Output columns [First, End) whose whole kernel row lies inside the input (no column padding).</summary>
    private static (int First, int End) InteriorColumns(in ConvShape s)
    {
        var first = (s.PadLeft + s.StrideW - 1) / s.StrideW;
        var last = s.InW - 1 + s.PadLeft - ((s.KW - 1) * s.DilationW);
        return (first, last < 0 ? 0 : Math.Min(s.OutW, (last / s.StrideW) + 1));
    }

    /// <summary>Bias, clamp and residual for one output vector; Math.Clamp's order (lower bound, then upper).</summary>
    private readonly ref struct Epilogue(ReadOnlySpan<float> bias, bool biasFirst, float lo, float hi, ReadOnlySpan<float> residual, Span<float> output)
    {
        private readonly ReadOnlySpan<float> _biasSpan = bias;
        private readonly ref float _bias = ref MemoryMarshal.GetReference(bias);
        private readonly ref float _residual = ref MemoryMarshal.GetReference(residual);
        private readonly ref float _output = ref MemoryMarshal.GetReference(output);
        private readonly bool _hasResidual = !residual.IsEmpty;
        private readonly TVec _lo = V.Create(lo);
        private readonly TVec _hi = V.Create(hi);

        public bool BiasFirst { get; } = biasFirst;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVec Bias(int c) => V.Load(ref _bias, (nint)c);

        public void CopyBias(Span<float> destination) => _biasSpan.CopyTo(destination);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Finish(TVec acc, int c, int at) => Finish(acc, c, at, !BiasFirst);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Finish(TVec acc, int c, int at, bool addBias)
        {
            var v = addBias ? V.Add(acc, Bias(c)) : acc;
            v = V.Min(V.Max(v, _lo), _hi);
            if (_hasResidual)
            {
                v = V.Add(v, V.Load(ref _residual, at));
            }

            V.Store(v, ref _output, at);
        }
    }
}
