using EdgeMobileNet.Inference.Engines.Managed.Kernels;
using EdgeMobileNet.Inference.Engines.Managed.Kernels.Scalar;
using EdgeMobileNet.Inference.Engines.Managed.Operators;
using Xunit;

namespace EdgeMobileNet.Inference.Tests.Managed.Kernels;

/// <summary>The scalar kernels against <see cref="NaiveConv"/> over random shapes, strides, pads, dilations, groups,
/// zero points and channel counts that leave vector remainders.</summary>
[Trait("arm", "true")]
public sealed class ConvKernelTests
{
    private static readonly IConvKernels Kernels = ScalarConvKernels.Instance;

    public static TheoryData<int> Seeds() => [1, 2, 3, 4, 5, 6, 7, 8];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void FloatConvMatchesNaive(int seed)
    {
        foreach (var cc in ConvCase.Random(seed, 25))
        {
            var rng = new Random(seed * 1000 + cc.GetHashCode());
            var x = RandomFloats(rng, cc.C * cc.H * cc.W);
            var w = RandomFloats(rng, cc.M * cc.CPerGroup * cc.Kh * cc.Kw);
            var b = RandomFloats(rng, cc.M);
            var expected = cc.Run((c, y, xx, m, ci, ky, kx) => (double)x[(((c * cc.H) + y) * cc.W) + xx] * w[(((((m * cc.CPerGroup) + ci) * cc.Kh) + ky) * cc.Kw) + kx], m => b[m]);

            var output = new float[cc.M * cc.OutH * cc.OutW];
            Kernels.ConvFloat(Shape(cc), ToNhwc(x, cc.C, cc.H, cc.W), Pack(w, cc), b, float.NegativeInfinity, float.PositiveInfinity, [], output);
            var actual = FromNhwc(output, cc.M, cc.OutH, cc.OutW);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-4 * (1 + Math.Abs(expected[i])), $"{cc}: element {i} is {actual[i]}, expected {expected[i]}");
            }
        }
    }

    [Fact]
    public void FloatConvEpilogueClampsThenAddsResidual()
    {
        var cc = new ConvCase(2, 3, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1);
        var rng = new Random(11);
        var x = RandomFloats(rng, 18);
        var w = RandomFloats(rng, 6);
        var b = RandomFloats(rng, 3);
        var residual = RandomFloats(rng, 27);
        var plain = new float[27];
        var fused = new float[27];
        Kernels.ConvFloat(Shape(cc), ToNhwc(x, 2, 3, 3), Pack(w, cc), b, float.NegativeInfinity, float.PositiveInfinity, [], plain);
        Kernels.ConvFloat(Shape(cc), ToNhwc(x, 2, 3, 3), Pack(w, cc), b, 0f, 0.5f, residual, fused);
        for (var i = 0; i < 27; i++)
        {
            Assert.Equal(Math.Clamp(plain[i], 0f, 0.5f) + residual[i], fused[i]);
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void QuantConvMatchesNaive(int seed)
    {
        foreach (var cc in ConvCase.Random(seed + 100, 25))
        {
            var rng = new Random(seed * 7919 + cc.GetHashCode());
            var x = RandomBytes(rng, cc.C * cc.H * cc.W);
            var xzp = rng.Next(3) switch { 0 => 0, 1 => 128, _ => rng.Next(256) };
            var wRaw = Enumerable.Range(0, cc.M * cc.CPerGroup * cc.Kh * cc.Kw).Select(_ => rng.Next(-128, 128)).ToArray();
            var wzp = Enumerable.Range(0, cc.M).Select(_ => rng.Next(4) == 0 ? rng.Next(-10, 10) : 0).ToArray();
            var per = cc.CPerGroup * cc.Kh * cc.Kw;
            var bias = Enumerable.Range(0, cc.M).Select(_ => rng.Next(-5000, 5000)).ToArray();
            var scales = Enumerable.Range(0, cc.M).Select(_ => (rng.NextSingle() * 0.01f) + 1e-4f).ToArray();
            var yzp = rng.Next(256);
            var (min, max) = rng.Next(3) == 0 ? (yzp, Math.Min(255, yzp + 100)) : (0, 255);

            var acc = cc.Run(
                (c, y, xx, m, ci, ky, kx) => (x[(((c * cc.H) + y) * cc.W) + xx] - xzp) * (double)(wRaw[(m * per) + (((ci * cc.Kh) + ky) * cc.Kw) + kx] - wzp[m]),
                m => bias[m]);
            var expected = new byte[acc.Length];
            var plane = cc.OutH * cc.OutW;
            for (var i = 0; i < acc.Length; i++)
            {
                expected[i] = NaiveRequantize((int)acc[i], scales[i / plane], yzp, min, max);
            }

            var centred = wRaw.Select((v, i) => v - wzp[i / per]).ToArray();
            var output = new byte[expected.Length];
            Kernels.ConvQuant(Shape(cc), ToNhwc(x, cc.C, cc.H, cc.W), xzp, Pack(centred, cc), bias, scales, yzp, min, max, new int[cc.M], output);
            var actual = FromNhwc(output, cc.M, cc.OutH, cc.OutW);
            Assert.True(expected.SequenceEqual(actual), $"{cc}: integer convolution differs");
        }
    }

    [Fact]
    public void PointwiseMlasOrderEqualsBlockedFmaChains()
    {
        var rng = new Random(5);
        foreach (var (h, w, k, m, strideK) in new[] { (3, 5, 40, 17, 16), (2, 2, 300, 9, 128), (1, 7, 7, 33, 8), (4, 4, 256, 24, 256) })
        {
            var cc = new ConvCase(k, h, w, m, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1);
            var x = RandomFloats(rng, k * h * w);
            var wt = RandomFloats(rng, m * k);
            var b = RandomFloats(rng, m);
            var output = new float[m * h * w];
            Kernels.PointwiseFloatMlasOrder(Shape(cc), strideK, false, ToNhwc(x, k, h, w), Pack(wt, cc), b, -1f, 1.5f, new float[m], output);
            var actual = FromNhwc(output, m, h, w);
            for (var o = 0; o < m; o++)
            {
                for (var p = 0; p < h * w; p++)
                {
                    var total = 0f;
                    for (var k0 = 0; k0 < k; k0 += strideK)
                    {
                        var chain = 0f;
                        for (var c = k0; c < Math.Min(k, k0 + strideK); c++)
                        {
                            chain = MathF.FusedMultiplyAdd(x[(c * h * w) + p], wt[(o * k) + c], chain);
                        }

                        total = k0 == 0 ? chain : total + chain;
                    }

                    Assert.Equal(Math.Clamp(total + b[o], -1f, 1.5f), actual[(o * h * w) + p]);
                }
            }
        }
    }

    [Theory]
    [InlineData(3136, 24, 32)]
    [InlineData(3136, 96, 128)]
    [InlineData(784, 192, 128)]
    [InlineData(196, 576, 128)]
    [InlineData(49, 960, 256)]
    [InlineData(49, 1280, 256)]
    [InlineData(10, 2000, 1024)]
    public void MlasStrideKFollowsPanelShape(int n, int k, int expected) =>
        Assert.Equal(expected, ConvOperator.MlasStrideK(n, k));

    /// <summary>Requantisation written from MLAS's documented steps: fp32 product, clamp, round half even, add zp.</summary>
    private static byte NaiveRequantize(int acc, float scale, int zp, int min, int max)
    {
        float v = acc * scale;
        v = Math.Min(Math.Max(v, min - zp), max - zp);
        var r = (int)Math.Round(v, MidpointRounding.ToEven);
        return (byte)(r + zp);
    }

    private static ConvShape Shape(ConvCase c) =>
        new(c.H, c.W, c.C, c.OutH, c.OutW, c.M, c.Kh, c.Kw, c.Sh, c.Sw, c.Pt, c.Pl, c.Dh, c.Dw, c.Group);

    /// <summary>[M, C/g, kh, kw] to [kh][kw][C/g][M], the order the kernels document.</summary>
    private static T[] Pack<T>(T[] w, ConvCase c)
    {
        var packed = new T[w.Length];
        for (var m = 0; m < c.M; m++)
        {
            for (var ci = 0; ci < c.CPerGroup; ci++)
            {
                for (var ky = 0; ky < c.Kh; ky++)
                {
                    for (var kx = 0; kx < c.Kw; kx++)
                    {
                        packed[(((((ky * c.Kw) + kx) * c.CPerGroup) + ci) * c.M) + m] = w[(((((m * c.CPerGroup) + ci) * c.Kh) + ky) * c.Kw) + kx];
                    }
                }
            }
        }

        return packed;
    }

    private static T[] ToNhwc<T>(T[] x, int c, int h, int w)
    {
        var r = new T[x.Length];
        for (var ch = 0; ch < c; ch++)
        {
            for (var i = 0; i < h * w; i++)
            {
                r[(i * c) + ch] = x[(ch * h * w) + i];
            }
        }

        return r;
    }

    private static T[] FromNhwc<T>(T[] x, int c, int h, int w)
    {
        var r = new T[x.Length];
        for (var ch = 0; ch < c; ch++)
        {
            for (var i = 0; i < h * w; i++)
            {
                r[(ch * h * w) + i] = x[(i * c) + ch];
            }
        }

        return r;
    }

    private static float[] RandomFloats(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (rng.NextSingle() * 2) - 1).ToArray();

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }
}
