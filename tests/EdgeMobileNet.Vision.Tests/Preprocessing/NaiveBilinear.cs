using EdgeMobileNet.Vision;

namespace EdgeMobileNet.Vision.Tests.Preprocessing;

/// <summary>
/// The textbook definition of PIL's BILINEAR resize, written for clarity rather than speed: every output sample is
/// the normalised, triangle-weighted mean of ALL source samples, with the triangle stretched by the downscale factor;
/// horizontal pass first, rounded half up to 0..255, then the vertical pass. Double precision, no windows, no fixed
/// point.
/// <para>
/// A production resize rounds its weights to 22-bit fixed point, so where the exact value lies within that error of
/// a rounding boundary (x.5) either result is right. Such samples, and every output fed by one, are flagged
/// <see cref="Result.Ambiguous"/>; everything else must match exactly.
/// </para>
/// </summary>
internal static class NaiveBilinear
{
    internal sealed record Result(RgbImage Image, bool[] Ambiguous);

    public static Result Resize(RgbImage source, int width, int height)
    {
        var temp = new byte[width * source.Height * 3];
        var tempAmbiguous = new bool[temp.Length];
        for (var y = 0; y < source.Height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var w = Weights(source.Width, width, x, out var tolerance);
                for (var c = 0; c < 3; c++)
                {
                    double s = 0;
                    for (var i = 0; i < source.Width; i++)
                    {
                        s += w[i] * source.Pixels[(((y * source.Width) + i) * 3) + c];
                    }

                    var t = (((y * width) + x) * 3) + c;
                    temp[t] = ToByte(s);
                    tempAmbiguous[t] = NearTie(s, tolerance);
                }
            }
        }

        var result = new RgbImage(width, height);
        var ambiguous = new bool[result.Pixels.Length];
        for (var y = 0; y < height; y++)
        {
            var w = Weights(source.Height, height, y, out var tolerance);
            for (var x = 0; x < width; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    double s = 0;
                    var inherited = false;
                    for (var i = 0; i < source.Height; i++)
                    {
                        var t = (((i * width) + x) * 3) + c;
                        s += w[i] * temp[t];
                        inherited |= w[i] > 0 && tempAmbiguous[t];
                    }

                    var o = (((y * width) + x) * 3) + c;
                    result.Pixels[o] = ToByte(s);
                    ambiguous[o] = inherited || NearTie(s, tolerance);
                }
            }
        }

        return new Result(result, ambiguous);
    }

    private static double[] Weights(int inSize, int outSize, int index, out double tolerance)
    {
        double scale = (double)inSize / outSize;
        double stretch = Math.Max(scale, 1.0);
        double centre = (index + 0.5) * scale;
        var w = new double[inSize];
        double sum = 0;
        var used = 0;
        for (var i = 0; i < inSize; i++)
        {
            // Distance between the source pixel's centre and the output's centre, in filter units.
            var d = Math.Abs((i + 0.5 - centre) / stretch);
            w[i] = d < 1 ? 1 - d : 0;
            sum += w[i];
            used += w[i] > 0 ? 1 : 0;
        }

        for (var i = 0; i < inSize; i++)
        {
            w[i] /= sum;
        }

        // Each fixed-point weight is off by at most half a unit of 2^-22 and multiplies a value of at most 255.
        tolerance = (used + 1) * 255.0 / (1 << 22);
        return w;
    }

    private static bool NearTie(double v, double tolerance) => Math.Abs(v - Math.Floor(v) - 0.5) <= tolerance;

    // Half up. Exact ties are common (upscaling by ~2 gives weights of 1/4 and 3/4); double arithmetic lands them a
    // few ulps either side, and the 1e-9 nudge puts them back where exact arithmetic has them.
    private static byte ToByte(double v) => (byte)Math.Clamp(Math.Floor(v + 0.5 + 1e-9), 0, 255);
}
