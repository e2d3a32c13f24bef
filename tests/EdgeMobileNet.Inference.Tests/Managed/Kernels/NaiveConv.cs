namespace EdgeMobileNet.Inference.Tests.Managed.Kernels;

/// <summary>
/// Textbook convolution in NCHW with ONNX weight layout [M, C/group, kh, kw], written from the operator definition
/// only: the reference the engine's NHWC kernels are checked against.
/// </summary>
internal sealed record ConvCase(int C, int H, int W, int M, int Kh, int Kw, int Sh, int Sw, int Pt, int Pl, int Pb, int Pr, int Dh, int Dw, int Group)
{
    public int OutH => ((H + Pt + Pb - (((Kh - 1) * Dh) + 1)) / Sh) + 1;

    public int OutW => ((W + Pl + Pr - (((Kw - 1) * Dw) + 1)) / Sw) + 1;

    public int CPerGroup => C / Group;

    public int MPerGroup => M / Group;

    public override string ToString() =>
        $"C{C} {H}x{W} M{M} k{Kh}x{Kw} s{Sh},{Sw} p{Pt},{Pl},{Pb},{Pr} d{Dh},{Dw} g{Group}";

    /// <summary>Output [M, OutH, OutW] of sum over taps of term(c, y, x, m, ci, ky, kx) plus bias, in double.</summary>
    public double[] Run(Func<int, int, int, int, int, int, int, double> term, Func<int, double> bias)
    {
        var result = new double[M * OutH * OutW];
        for (var m = 0; m < M; m++)
        {
            var g = m / MPerGroup;
            for (var oy = 0; oy < OutH; oy++)
            {
                for (var ox = 0; ox < OutW; ox++)
                {
                    var sum = bias(m);
                    for (var ci = 0; ci < CPerGroup; ci++)
                    {
                        var c = (g * CPerGroup) + ci;
                        for (var ky = 0; ky < Kh; ky++)
                        {
                            for (var kx = 0; kx < Kw; kx++)
                            {
                                var y = (oy * Sh) - Pt + (ky * Dh);
                                var x = (ox * Sw) - Pl + (kx * Dw);
                                if (y >= 0 && y < H && x >= 0 && x < W)
                                {
                                    sum += term(c, y, x, m, ci, ky, kx);
                                }
                            }
                        }
                    }

                    result[(((m * OutH) + oy) * OutW) + ox] = sum;
                }
            }
        }

        return result;
    }

    public static IEnumerable<ConvCase> Random(int seed, int count)
    {
        var rng = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var kind = rng.Next(4);
            var group = kind switch { 0 => 1, 1 => 0, 2 => rng.Next(2, 4), _ => 1 };
            var k = rng.Next(3) switch { 0 => 1, 1 => 3, _ => 5 };
            int c, m;
            if (group == 0)
            {
                // depthwise, sometimes with a channel multiplier
                c = rng.Next(1, 41);
                group = c;
                m = c * (rng.Next(4) == 0 ? 2 : 1);
            }
            else
            {
                c = group * rng.Next(1, 12);
                m = group * rng.Next(1, 21);
            }

            var h = rng.Next(k, 13);
            var w = rng.Next(k, 13);
            var d = rng.Next(5) == 0 ? 2 : 1;
            if ((((k - 1) * d) + 1) > Math.Min(h, w))
            {
                d = 1;
            }

            yield return new ConvCase(c, h, w, m, k, k, rng.Next(1, 3), rng.Next(1, 3), rng.Next(0, 3), rng.Next(0, 3), rng.Next(0, 3), rng.Next(0, 3), d, d, group);
        }
    }
}
